/** Protocol version a peer announces in the handshake; bump it on any breaking change to an event or payload. */
export const PROTOCOL_VERSION = 1;

/** Versions this build can speak; a handshake with any other version is refused with `version_mismatch`. */
export const SUPPORTED_PROTOCOL_VERSIONS: readonly number[] = [PROTOCOL_VERSION];

/** True when `version` is one this build can speak. */
export function isSupportedVersion(version: number): boolean {
  return SUPPORTED_PROTOCOL_VERSIONS.includes(version);
}
