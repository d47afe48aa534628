/** Every emulated provider, by id. */
import type { Provider, ProviderId } from "../types";
import { auth0 } from "./auth0";
import { cognito } from "./cognito";
import { google } from "./google";
import { oktaCustom, oktaOrg } from "./okta";

export const PROVIDERS: Record<ProviderId, Provider> = {
  auth0,
  okta: oktaCustom,
  "okta-org": oktaOrg,
  google,
  cognito,
};
