/** Reading a form body, shared by both faces (the sign-in form, the OAuth endpoints). */

/** A form body as text; read as bytes because workerd warns on `text()` of non-text content types. */
export async function formText(request: Request): Promise<string> {
  return new TextDecoder().decode(await request.arrayBuffer());
}
