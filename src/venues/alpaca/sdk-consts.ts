/** Constants of the SDK's streaming layer that we rely on (documented: -1 = retry forever). */
export const UNLIMITED_RECONNECT_ATTEMPTS = -1;
