/** Reading a form body, shared by both faces (the sign-in form, the OAuth endpoints). */

const utf8 = new TextDecoder();

/** A form body as text; read as bytes because workerd warns on `text()` of non-text content types. */
export async function formText(request: Request): Promise<string> {
  return utf8.decode(await request.arrayBuffer());
}
