/**
 * Certificates made with `openssl` for TLS tests: self-signed ones, and a
 * throwaway certificate authority with a server certificate it signed.
 */
import { join } from "node:path";
import { type RunningServer, startServer, type StartServerOptions } from "./server.ts";

export interface SelfSignedCertificate {
  certFile: string;
  keyFile: string;
  dir: string;
}

async function openssl(args: string[]): Promise<void> {
  const { code, stderr } = await new Deno.Command("openssl", {
    args,
    stdout: "null",
    stderr: "piped",
  }).output();
  if (code !== 0) throw new Error(`openssl failed: ${new TextDecoder().decode(stderr)}`);
}

/** Makes a throwaway self-signed certificate for 127.0.0.1 in a temp dir. */
export async function makeSelfSignedCertificate(): Promise<SelfSignedCertificate> {
  const dir = await Deno.makeTempDir({ prefix: "hatcher-tls-" });
  const certFile = join(dir, "cert.pem");
  const keyFile = join(dir, "key.pem");
  await openssl([
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
  ]);
  return { certFile, keyFile, dir };
}

/** A certificate authority and a server certificate for 127.0.0.1 that it signed. */
export interface CertificateAuthority extends SelfSignedCertificate {
  /** The CA's certificate (PEM): what a client must trust. */
  caFile: string;
}

/**
 * Makes a throwaway CA (`CA:TRUE`) and a server certificate signed by it
 * (`CA:FALSE`, subjectAltName IP:127.0.0.1), as a company CA would issue.
 */
export async function makeCertificateAuthority(): Promise<CertificateAuthority> {
  const dir = await Deno.makeTempDir({ prefix: "hatcher-ca-" });
  const file = (name: string) => join(dir, name);
  await openssl([
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "1",
    "-subj",
    "/CN=hatcher test company CA",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
    "-keyout",
    file("ca-key.pem"),
    "-out",
    file("ca.pem"),
  ]);
  await openssl([
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-subj",
    "/CN=127.0.0.1",
    "-keyout",
    file("key.pem"),
    "-out",
    file("server.csr"),
  ]);
  await Deno.writeTextFile(
    file("server.ext"),
    "basicConstraints=critical,CA:FALSE\nsubjectAltName=IP:127.0.0.1\n" +
      "keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
  );
  await openssl([
    "x509",
    "-req",
    "-in",
    file("server.csr"),
    "-CA",
    file("ca.pem"),
    "-CAkey",
    file("ca-key.pem"),
    "-CAcreateserial",
    "-days",
    "1",
    "-extfile",
    file("server.ext"),
    "-out",
    file("cert.pem"),
  ]);
  return { caFile: file("ca.pem"), certFile: file("cert.pem"), keyFile: file("key.pem"), dir };
}

/**
 * The reference server over HTTPS with a throwaway certificate (self-signed
 * unless `make` says otherwise), which is removed when the server stops.
 */
export async function startTlsServer<C extends SelfSignedCertificate = SelfSignedCertificate>(
  opts: StartServerOptions = {},
  make: () => Promise<C> = makeSelfSignedCertificate as () => Promise<C>,
): Promise<RunningServer & { certificate: C }> {
  const cert = await make();
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
  return { ...server, certificate: cert, stop, [Symbol.asyncDispose]: stop };
}
