export interface Page<T> {
  items: readonly T[];
  /** Token for the next page; empty or undefined on the last one. */
  nextToken?: string | undefined;
}

/**
 * Walks a token-paginated listing lazily: a page is fetched only when the
 * consumer has used up the previous one, and breaking out of the loop stops the
 * walk. A server repeating a token would loop forever, so that is an error.
 */
export async function* paginate<T>(
  fetchPage: (token: string | undefined) => Promise<Page<T>>,
): AsyncGenerator<T, void, undefined> {
  let token: string | undefined;
  const seen = new Set<string>();
  while (true) {
    const page = await fetchPage(token);
    yield* page.items;
    if (!page.nextToken) return;
    if (seen.has(page.nextToken)) {
      throw new Error(`the server returned continuation token "${page.nextToken}" twice`);
    }
    seen.add(page.nextToken);
    token = page.nextToken;
  }
}
