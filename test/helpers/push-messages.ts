/**
 * Client-side encoders for the compat tests, built from the schemas' .proto types as Alloy / OTel collectors build
 * theirs: push.v1 PushRequest (binary and protobuf JSON) and OTLP ExportProfilesServiceRequest.
 */
import { encodeMessage, ExportProfilesServiceRequest, PushRequest, toJson } from '../../schemas/index.ts';

export type PushRequestInput = {
  series: { labels: { name: string; value: string }[]; samples: { rawProfile: Uint8Array; ID: string }[] }[];
};

export function encodePushRequest(msg: PushRequestInput): Uint8Array {
  return encodeMessage(PushRequest, msg);
}

/** The request as protobuf JSON (what a Connect client sends with `application/json`: base64 `rawProfile`). */
export function pushRequestJson(msg: PushRequestInput): Record<string, unknown> {
  return toJson(PushRequest, msg);
}

export function encodeOtlpRequest(req: Record<string, unknown>): Uint8Array {
  return encodeMessage(ExportProfilesServiceRequest, req);
}
