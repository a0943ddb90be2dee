// The RE2 program size limit Envoy enforces on every regex (runtime key
// `re2.max_program_size.error_level`, default 100; source/common/common/regex.cc). The
// bootstrap (controlplane/bootstrap) raises Envoy's limit to this value and the model rejects
// a regex above it, so the two never disagree.

/** Largest RE2 program (RE2::ProgramSize, in instructions) a Mapping regex may compile to. */
export const RE2_MAX_PROGRAM_SIZE = 1000;
