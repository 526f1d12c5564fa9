import type { Http2Session, ServerHttp2Stream } from "node:http2";
import type { ServerInterceptingCall, ServerInterceptor } from "@grpc/grpc-js";

/**
 * A grpc-js server interceptor that widens the HTTP/2 receive window of each connection
 * (and of its streams) to `bytes`, once per connection, at its first call.
 *
 * Why: grpc-js servers keep HTTP/2's 64 KiB receive windows and have no option to change
 * them (`grpc-node.flow_control_window` is read by its channels only, as of 1.14). With
 * 64 KiB an upload's sender stops after every 64 KiB until this process's event loop has
 * read them and answered with WINDOW_UPDATE, so a busy service (hashing, writing) paces
 * its own uploads in 64 KiB steps. The window is a bound, not a buffer: grpc-js still
 * pauses a stream whose messages are not being taken.
 *
 * The session is reached through the base call's `stream`, which grpc-js keeps as a plain
 * field but does not declare public; when it is not there (another grpc-js layout), the
 * interceptor changes nothing.
 */
export function receiveWindowInterceptor(bytes: number): ServerInterceptor {
  const widened = new WeakSet<Http2Session>();
  return (_method, call) => {
    const session = (call as { stream?: ServerHttp2Stream }).stream?.session;
    if (session && !widened.has(session)) {
      widened.add(session);
      session.setLocalWindowSize(bytes);
      // SETTINGS_INITIAL_WINDOW_SIZE applies to the streams already open too (RFC 9113, 6.9.2).
      session.settings({ initialWindowSize: bytes });
    }
    return call as ServerInterceptingCall;
  };
}
