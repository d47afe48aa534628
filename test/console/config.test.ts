/** The console's deployment settings: both ids or neither, the client in the operator project, the timeouts' defaults and bounds. */
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config";
import { problemsOf, VALID_ENV as valid } from "../helpers/config";

const PROJECT = "prj_abcdefghijklmnop";
const CLIENT = `${PROJECT}.abcdefghijklmnopqrst`;

describe("console settings", () => {
  it("leaves the console unset without its ids", () => {
    expect(parseConfig(valid).console).toBeUndefined();
  });

  it("takes both ids, with 30 min idle and 12 h absolute timeouts by default", () => {
    expect(parseConfig({ ...valid, CONSOLE_PROJECT_ID: PROJECT, CONSOLE_CLIENT_ID: CLIENT }).console).toEqual({
      projectId: PROJECT, clientId: CLIENT, idleTimeoutS: 1800, absoluteTimeoutS: 43_200,
    });
  });

  it("names what is wrong: one id alone, a client of another project, malformed ids or timeouts", () => {
    expect(problemsOf({ ...valid, CONSOLE_PROJECT_ID: PROJECT })).toEqual([expect.stringMatching(/^CONSOLE_PROJECT_ID and CONSOLE_CLIENT_ID must be set together/)]);
    expect(problemsOf({ ...valid, CONSOLE_PROJECT_ID: "prj_zzzzzzzzzzzzzzzz", CONSOLE_CLIENT_ID: CLIENT })).toEqual([expect.stringMatching(/^CONSOLE_CLIENT_ID must be a client of the project/)]);
    expect(problemsOf({ ...valid, CONSOLE_PROJECT_ID: "operators", CONSOLE_CLIENT_ID: CLIENT })[0]).toMatch(/^CONSOLE_PROJECT_ID is malformed/);
    expect(problemsOf({ ...valid, CONSOLE_SESSION_IDLE_SECONDS: "0" })[0]).toMatch(/^CONSOLE_SESSION_IDLE_SECONDS is malformed/);
    expect(problemsOf({ ...valid, CONSOLE_SESSION_MAX_SECONDS: "9999999" })[0]).toMatch(/^CONSOLE_SESSION_MAX_SECONDS is malformed/);
  });
});
