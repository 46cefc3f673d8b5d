/** Self-signed certificates made with `openssl` for TLS tests. */
import { join } from "node:path";
import { type RunningServer, startServer, type StartServerOptions } from "./server.ts";

export interface SelfSignedCertificate {
  certFile: string;
  keyFile: string;
  dir: string;
}

/** Makes a throwaway self-signed certificate for 127.0.0.1 in a temp dir. */
export async function makeSelfSignedCertificate(): Promise<SelfSignedCertificate> {
  const dir = await Deno.makeTempDir({ prefix: "hatcher-tls-" });
  const certFile = join(dir, "cert.pem");
  const keyFile = join(dir, "key.pem");
  const { code, stderr } = await new Deno.Command("openssl", {
    args: [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=127.0.0.1",
      "-addext",
      "subjectAltName=IP:127.0.0.1",
      "-keyout",
      keyFile,
      "-out",
      certFile,
    ],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (code !== 0) throw new Error(`openssl failed: ${new TextDecoder().decode(stderr)}`);
  return { certFile, keyFile, dir };
}

/**
 * The reference server over HTTPS with a throwaway self-signed certificate,
 * which is removed when the server stops.
 */
export async function startTlsServer(opts: StartServerOptions = {}): Promise<RunningServer> {
  const cert = await makeSelfSignedCertificate();
  const removeCertificate = () => Deno.remove(cert.dir, { recursive: true }).catch(() => {});
  let server: RunningServer;
  try {
    server = await startServer({ ...opts, tlsCert: cert.certFile, tlsKey: cert.keyFile });
  } catch (error) {
    await removeCertificate();
    throw error;
  }
  const stop = async () => {
    try {
      await server.stop();
    } finally {
      await removeCertificate();
    }
  };
  return { ...server, stop, [Symbol.asyncDispose]: stop };
}
