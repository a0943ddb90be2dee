// Bounds on what the file source reads, so one careless or hostile file in a watched folder
// costs a bounded amount of work and becomes that file's error instead of a stall. 3 MiB is
// the Kubernetes API server's request body limit (an object the cluster would accept fits);
// the document count bounds the model's work per file.
export const MAX_FILE_BYTES = 3 * 1024 * 1024;
export const MAX_DOCUMENTS_PER_FILE = 2000;
/** Aliases a document may expand (the yaml library's resource-exhaustion guard). */
export const MAX_ALIAS_COUNT = 100;
