// `npm run protos`: regenerates protos/gen/ — TypeScript for the Envoy API types Attaché uses,
// from Envoy's own protos as go-control-plane ships them (the version pinned in
// descriptors/go.mod), by protoc-gen-es (the version pinned in package.json).
//   1. descriptors/ (Go) writes the FileDescriptorSet of those types and their imports;
//   2. protoc-gen-es turns it into messages, schemas and `*Json` types (protoc's plugin
//      protocol: a CodeGeneratorRequest on stdin, a CodeGeneratorResponse on stdout).
// `npm run protos -- --check` regenerates into a temporary folder and fails when the result
// differs from the committed protos/gen/.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { CodeGeneratorRequestSchema, CodeGeneratorResponseSchema, FileDescriptorSetSchema, type DescriptorProto } from "@bufbuild/protobuf/wkt";

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = join(HERE, "..", "..");
export const GENERATED_DIR = join(REPO, "protos", "gen");
const PLUGIN = join(REPO, "node_modules", ".bin", "protoc-gen-es");
/** Plain TypeScript with `.ts` imports (Node's type stripping and tsx load it as is) and the
 *  `*Json` type of every message, which the translator's output and the data plane's input use. */
const PLUGIN_PARAMETER = "target=ts,json_types=true,import_extension=ts";

function descriptorSet(): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), "attache-protos-"));
  try {
    const out = join(dir, "envoy.binpb");
    execFileSync("go", ["run", ".", out], { cwd: join(HERE, "descriptors"), stdio: ["ignore", "inherit", "inherit"], env: { ...process.env, GOFLAGS: "-buildvcs=false" } });
    return readFileSync(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Attaché's JSON boundary speaks Envoy's config style: proto field names (`filter_chains`),
 *  as Envoy's docs, config dumps and YAML configs write them, rather than proto3 JSON's
 *  lowerCamelCase. Setting each field's json_name (a standard descriptor field, what protoc's
 *  `json_name` option sets) to its own name makes the generated `*Json` types and the runtime's
 *  fromJson/toJson use those names; the binary encoding does not involve json_name. */
function useFieldNamesInJson(message: DescriptorProto): void {
  for (const field of [...message.field, ...message.extension]) field.jsonName = field.name;
  message.nestedType.forEach(useFieldNamesInJson);
}

/** Generated file name -> content. The well-known types come from @bufbuild/protobuf/wkt. */
export function generate(): Map<string, string> {
  const set = fromBinary(FileDescriptorSetSchema, descriptorSet());
  for (const file of set.file) {
    file.messageType.forEach(useFieldNamesInJson);
    for (const extension of file.extension) extension.jsonName = extension.name;
  }
  const request = create(CodeGeneratorRequestSchema, {
    fileToGenerate: set.file.map((f) => f.name).filter((name) => !name.startsWith("google/protobuf/")),
    parameter: PLUGIN_PARAMETER,
    protoFile: set.file,
  });
  const stdout = execFileSync(PLUGIN, { input: toBinary(CodeGeneratorRequestSchema, request), maxBuffer: 1 << 30 });
  const response = fromBinary(CodeGeneratorResponseSchema, stdout);
  if (response.error) throw new Error(`protoc-gen-es: ${response.error}`);
  return new Map(response.file.map((f) => [f.name, f.content]));
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** Differences between `files` and protos/gen/, as file names ("" when identical). */
export function differences(files: Map<string, string>): string[] {
  const committed = new Map(filesUnder(GENERATED_DIR).map((p) => [relative(GENERATED_DIR, p), readFileSync(p, "utf8")]));
  const out: string[] = [];
  for (const [name, content] of files) {
    if (!committed.has(name)) out.push(`${name}: missing from protos/gen`);
    else if (committed.get(name) !== content) out.push(`${name}: differs`);
  }
  for (const name of committed.keys()) if (!files.has(name)) out.push(`${name}: no longer generated`);
  return out;
}

function write(files: Map<string, string>): void {
  rmSync(GENERATED_DIR, { recursive: true, force: true });
  for (const [name, content] of files) {
    mkdirSync(dirname(join(GENERATED_DIR, name)), { recursive: true });
    writeFileSync(join(GENERATED_DIR, name), content);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const files = generate();
  if (process.argv.includes("--check")) {
    const diff = differences(files);
    if (diff.length) {
      console.error(`protos/gen is not what npm run protos generates:\n  ${diff.join("\n  ")}`);
      process.exit(1);
    }
    console.log(`protos/gen: ${files.size} files, up to date`);
  } else {
    write(files);
    console.log(`protos/gen: ${files.size} files written`);
  }
}
