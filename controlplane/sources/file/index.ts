export { FileSource, type FileSourceOptions } from "./watch.ts";
export { YamlScanner, loadYamlPaths } from "./scan.ts";
export { parseYamlDocuments } from "./parse.ts";
