/** Splits a shell command line of plain words and single-quoted strings (what curlExample prints). */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  const pattern = /'([^']*)'|(\S+)/g;
  for (const match of line.matchAll(pattern)) words.push(match[1] ?? match[2] ?? "");
  return words;
}

/** The request a `curl -s -X METHOD 'url' -H '...' -d '...'` line describes, for fetch. */
export function curlToRequest(line: string): { url: string; init: RequestInit } {
  const words = shellWords(line.trim());
  if (words[0] !== "curl") throw new Error(`not a curl line: ${line}`);
  const headers: Record<string, string> = {};
  let method = "GET";
  let body: string | undefined;
  let url = "";
  for (let i = 1; i < words.length; i++) {
    const word = words[i]!;
    if (word === "-s") continue;
    if (word === "-X") method = words[++i]!;
    else if (word === "-H") {
      const header = words[++i]!;
      const colon = header.indexOf(":");
      headers[header.slice(0, colon).trim()] = header.slice(colon + 1).trim();
    } else if (word === "-d") {
      body = words[++i]!;
      if (method === "GET") method = "POST";
    } else url = word;
  }
  return { url, init: { method, headers, ...(body === undefined ? {} : { body }) } };
}
