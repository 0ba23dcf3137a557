const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether a path segment is shaped like a UUID (then it is an id, never a slug or label). */
export const isUuid = (value: string): boolean => UUID.test(value);
