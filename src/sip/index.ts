/**
 * Public surface of the SIP stage: the message model, the tolerant parser, typed header values,
 * digest computation and the issue table.
 */
export { parseSip, type ParseOptions, type SipParseResult } from "./parse.js";
export { SipMessage, type HeaderField, type HeaderIndex, type StartLine, type ValueAt } from "./message.js";
export { Params } from "./text.js";
export { SIP_ISSUES, type SipIssueCode } from "./issues.js";
export { parseUri, type SipUri } from "./uri.js";
export { parseNameAddr, parseContact, type Contact, type NameAddr } from "./address.js";
export { parseVia, type Via } from "./via.js";
export { parseChallenges, parseCredentials, type AuthEntry, type AuthHeaderName, type Challenge, type Credentials } from "./auth.js";
export { parseCSeq, parseReason, parseRetryAfter, parseWarning, type CSeq, type Reason, type RetryAfter, type Warning } from "./fields.js";
export { parseSdp, type Sdp, type SdpAttribute, type SdpConnection, type SdpMedia, type SdpOrigin } from "./sdp.js";
export {
  computeDigestResponse, computeHA1, computeHA2, computeUserhash, digestHash, parseDigestAlgorithm, verifyDigest,
  type DigestAlgorithm, type DigestInput, type DigestSecret, type DigestVerification,
} from "./digest.js";
export { headerKey, headerDisplayName, isListHeader } from "./headers.js";
