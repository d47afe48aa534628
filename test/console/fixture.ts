/**
 * What the console's HTTP tests share: two projects, "Mine" (ulrich administers it) and "Theirs", the
 * console set up with alice as the operator, and both of them signed in. `consoleFixture()` registers
 * the `beforeAll` that fills the object it returns; a test file's own `beforeAll` after it can use it.
 */
import { beforeAll } from "vitest";
import { newProject } from "../helpers/admin";
import { PEOPLE, setUpConsole, signInToConsole, type ConsoleSetup } from "../helpers/console";

export interface ConsoleFixture {
  setup: ConsoleSetup;
  mine: { id: string; token: string };
  theirs: { id: string; token: string };
  /** ulrich's session: admin of Mine. */
  adminCookie: string;
  /** alice's session: the operator. */
  operatorCookie: string;
}

export function consoleFixture(): ConsoleFixture {
  const fixture = {} as ConsoleFixture;
  beforeAll(async () => {
    const [mine, theirs] = await Promise.all([newProject("Mine"), newProject("Theirs")]);
    const setup = await setUpConsole({ alice: ["operator"], ulrich: [`admin:${mine.id}`] });
    const [admin, operator] = await Promise.all([signInToConsole(setup, PEOPLE.ulrich), signInToConsole(setup, PEOPLE.alice)]);
    Object.assign(fixture, { setup, mine, theirs, adminCookie: admin.cookie, operatorCookie: operator.cookie });
  });
  return fixture;
}

/** A page's status and HTML. */
export const html = async (response: Response) => ({ status: response.status, text: await response.text() });
