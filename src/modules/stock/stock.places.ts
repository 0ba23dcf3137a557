import type { Tx } from '../../platform/db/database.js';
import { invalid, notFound, ruleViolation } from '../../platform/errors.js';
import { locationReads, type LocationRow } from '../locations/index.js';
import { productReads } from '../products/index.js';
import type { BatchKind, ConfigRow } from './stock.repository.js';

/**
 * What the stock services share: the places stock stands at (a storage location, a storage bin in it),
 * the products they name, and a storage location's config — each answering 404 or naming the field.
 */

/** A storage location of the farm: 404 when named in the path, 400 naming the field when not one. */
export async function storageLocation(tx: Tx, farmId: string, id: string, field: string): Promise<LocationRow> {
  const location = await locationReads.find(tx, farmId, id);
  if (!location) {
    if (field.startsWith('path.')) throw notFound('location', { id });
    throw invalid('No such location in this farm', { fields: [{ field, message: 'no such location' }] });
  }
  if (location.type !== 'storage_location')
    throw invalid(`${location.name} is a ${location.type}: stock stands at a storage_location`, {
      fields: [{ field, message: `a ${location.type}, not a storage_location` }],
    });
  return location;
}

/** A storage bin (of `within`, when given): 400 naming the field when it is another kind of place or elsewhere. */
export async function storageBin(
  tx: Tx,
  farmId: string,
  id: string,
  field: string,
  within?: LocationRow,
): Promise<LocationRow> {
  const bin = await locationReads.find(tx, farmId, id);
  if (!bin) throw invalid('No such location in this farm', { fields: [{ field, message: 'no such location' }] });
  if (bin.type !== 'storage_bin')
    throw invalid(`${bin.name} is a ${bin.type}: only a storage_bin holds a batch`, {
      fields: [{ field, message: `a ${bin.type}, not a storage_bin` }],
    });
  if (within && bin.parent_id !== within.id)
    throw invalid(`Bin ${bin.name} is not in ${within.name}`, {
      fields: [{ field, message: `not a bin of ${within.name}` }],
    });
  return bin;
}

/** A batch's kind named in a request, each part resolved (by id, SKU or code) or refused naming its field. */
export async function kindOf(
  tx: Tx,
  farmId: string,
  input: { product: string; packaging: string; state?: string | null | undefined; size?: string | null | undefined },
  prefix = 'body',
) {
  const problems: Array<{ field: string; message: string }> = [];
  const product = await productReads.product(tx, farmId, input.product);
  if (!product) problems.push({ field: `${prefix}.product`, message: 'no such product in this farm' });
  const packaging = await productReads.packaging(tx, farmId, input.packaging);
  if (!packaging) problems.push({ field: `${prefix}.packaging`, message: 'no such packaging in this farm' });
  const state = input.state ? await productReads.state(tx, farmId, input.state) : null;
  if (input.state && !state) problems.push({ field: `${prefix}.state`, message: 'no such product state' });
  const size = input.size ? await productReads.size(tx, farmId, input.size) : null;
  if (input.size && !size) problems.push({ field: `${prefix}.size`, message: 'no such product size' });
  if (problems.length > 0)
    throw invalid(problems.map((p) => `${p.field.replace(/^body\./, '')}: ${p.message}`).join('; '), {
      fields: problems,
    });
  return {
    product: product!,
    packaging: packaging!,
    state: state ?? null,
    size: size ?? null,
    kind: {
      product_id: product!.id,
      packaging_id: packaging!.id,
      state_id: state?.id ?? null,
      size_id: size?.id ?? null,
    } satisfies BatchKind,
  };
}

/**
 * A storage location's config must agree with what is put there: a different product or packaging (or
 * state or size, when the config names them) is 422 CONFIG_MISMATCH; no config allows anything.
 */
export function checkConfig(config: ConfigRow | undefined, kind: BatchKind, location: LocationRow): void {
  if (!config) return;
  const differs: string[] = [];
  if (config.product_id !== kind.product_id) differs.push('product');
  if (config.packaging_id !== kind.packaging_id) differs.push('packaging');
  if (config.state_id !== null && config.state_id !== kind.state_id) differs.push('state');
  if (config.size_id !== null && config.size_id !== kind.size_id) differs.push('size');
  if (differs.length > 0)
    throw ruleViolation(
      'CONFIG_MISMATCH',
      `${location.name} is set up for another ${differs.join(' and ')}: change its stock config or choose another place`,
      {
        location_id: location.id,
        differs,
        expected: {
          product_id: config.product_id,
          packaging_id: config.packaging_id,
          state_id: config.state_id,
          size_id: config.size_id,
        },
      },
    );
}
