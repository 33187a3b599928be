/** The query that prefills a scaffolder template's form (the scaffolder reads `formData`). */
export function prefillQuery(values: Record<string, string>): string {
  return `?formData=${encodeURIComponent(JSON.stringify(values))}`;
}
