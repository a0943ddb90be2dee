// The wrapper module for etcd points every sibling module the server's go.mod replaces with a
// path in etcd's repository at its published release.
import { describe, expect, it } from "vitest";
import { siblingModules } from "./etcd.ts";

const GO_MOD = `module go.etcd.io/etcd/server/v3

require (
	go.etcd.io/bbolt v1.4.3
	go.etcd.io/etcd/api/v3 v3.7.4
)

replace (
	go.etcd.io/etcd/api/v3 => ../api
	go.etcd.io/etcd/client/pkg/v3 => ../client/pkg
	github.com/example/fork => github.com/example/fork v1.2.3
)
`;

describe("etcd wrapper module", () => {
  it("takes the replaced sibling modules (and only those) from the server's go.mod", () => {
    expect(siblingModules(GO_MOD)).toEqual(["go.etcd.io/etcd/api/v3", "go.etcd.io/etcd/client/pkg/v3"]);
  });
});
