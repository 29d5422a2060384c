// The m365agents.yml schemas without the Agents Toolkit CLI's 549 dependencies: `npm pack` fetches only the
// CLI's own tarball, pinned by the version and integrity in package-lock.json (checked here, so a changed
// tarball fails the build), and tar extracts resource/yaml-schema/ where `npm ci` would have put it.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const name = "@microsoft/m365agentstoolkit-cli";
const locked = JSON.parse(readFileSync(join(here, "package-lock.json"), "utf8")).packages[`node_modules/${name}`];
const target = join(here, "node_modules", name);
const scratch = mkdtempSync(join(tmpdir(), "agents-toolkit-"));
try {
  const [packed] = JSON.parse(
    execFileSync("npm", ["pack", `${name}@${locked.version}`, "--json", "--pack-destination", scratch], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    }),
  );
  const tarball = join(scratch, packed.filename);
  const integrity = "sha512-" + createHash("sha512").update(readFileSync(tarball)).digest("base64");
  if (integrity !== locked.integrity) {
    throw new Error(`${name}@${locked.version}: integrity ${integrity} is not the locked ${locked.integrity}`);
  }
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  execFileSync("tar", ["-xzf", tarball, "-C", target, "--strip-components=1", "package/resource/yaml-schema", "package/package.json"]);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
