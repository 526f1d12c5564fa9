/** An error the API raises itself, with the status and code it answers with. */
export class HttpProblem extends Error {
  override name = "HttpProblem";
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
