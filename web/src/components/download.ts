/** Saves the file a blob URL holds under `filename`, then lets the URL go (after the browser has it). */
export function download(url: string, filename: string): void {
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
