// helm-render: renders a Helm chart the way `helm template` does, for tests on machines
// where Helm itself cannot be installed. It is a stand-in, not Helm: Go text/template with
// Sprig's functions (the same engine and library Helm uses) plus Helm's own toYaml,
// fromYaml, toJson, include, tpl, required and lookup (which returns nothing, as in
// `helm template`). Not covered: subcharts, hooks, .Files, schema validation, Capabilities
// beyond KubeVersion. charts/attache/README.md states these limits.
//
// Usage: helm-render <chart dir> <release name> <namespace> [values-override.yaml]
package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig"
	"gopkg.in/yaml.v3"
)

func toYaml(v interface{}) string {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return ""
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

func fromYaml(s string) map[string]interface{} {
	out := map[string]interface{}{}
	if err := yaml.Unmarshal([]byte(s), &out); err != nil {
		out["Error"] = err.Error()
	}
	return out
}

// merge overlays b onto a (maps merged recursively, everything else replaced), as Helm
// merges --values files over the chart's values.yaml.
func merge(a, b map[string]interface{}) map[string]interface{} {
	for k, v := range b {
		if bm, ok := v.(map[string]interface{}); ok {
			if am, ok := a[k].(map[string]interface{}); ok {
				a[k] = merge(am, bm)
				continue
			}
		}
		a[k] = v
	}
	return a
}

func readYaml(path string) map[string]interface{} {
	data, err := os.ReadFile(path)
	if err != nil {
		fail("%v", err)
	}
	out := map[string]interface{}{}
	if err := yaml.Unmarshal(data, &out); err != nil {
		fail("%s: %v", path, err)
	}
	return out
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "helm-render: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	if len(os.Args) < 4 {
		fail("usage: helm-render <chart dir> <release> <namespace> [values.yaml]")
	}
	chartDir, release, namespace := os.Args[1], os.Args[2], os.Args[3]
	chartMeta := readYaml(filepath.Join(chartDir, "Chart.yaml"))
	values := readYaml(filepath.Join(chartDir, "values.yaml"))
	if len(os.Args) > 4 {
		values = merge(values, readYaml(os.Args[4]))
	}
	chartName := fmt.Sprint(chartMeta["name"])
	chart := map[string]interface{}{"Name": chartName, "Version": fmt.Sprint(chartMeta["version"]), "AppVersion": fmt.Sprint(chartMeta["appVersion"])}

	root := template.New("chart")
	funcs := sprig.TxtFuncMap()
	funcs["toYaml"] = toYaml
	funcs["fromYaml"] = fromYaml
	funcs["required"] = func(msg string, v interface{}) (interface{}, error) {
		if v == nil || v == "" {
			return nil, fmt.Errorf("%s", msg)
		}
		return v, nil
	}
	funcs["lookup"] = func(...interface{}) map[string]interface{} { return map[string]interface{}{} }
	funcs["include"] = func(name string, data interface{}) (string, error) {
		var buf bytes.Buffer
		err := root.ExecuteTemplate(&buf, name, data)
		return buf.String(), err
	}
	funcs["tpl"] = func(text string, data interface{}) (string, error) {
		t, err := root.Clone()
		if err != nil {
			return "", err
		}
		t, err = t.New("tpl").Parse(text)
		if err != nil {
			return "", err
		}
		var buf bytes.Buffer
		err = t.Execute(&buf, data)
		return buf.String(), err
	}
	root.Funcs(funcs).Option("missingkey=zero")

	files, _ := filepath.Glob(filepath.Join(chartDir, "templates", "*"))
	sort.Strings(files)
	var names []string
	for _, f := range files {
		text, err := os.ReadFile(f)
		if err != nil {
			fail("%v", err)
		}
		name := chartName + "/templates/" + filepath.Base(f)
		if _, err := root.New(name).Parse(string(text)); err != nil {
			fail("%v", err)
		}
		if !strings.HasPrefix(filepath.Base(f), "_") {
			names = append(names, name)
		}
	}
	for _, name := range names {
		data := map[string]interface{}{
			"Values":   values,
			"Chart":    chart,
			"Release":  map[string]interface{}{"Name": release, "Namespace": namespace, "Service": "Helm", "IsInstall": true, "IsUpgrade": false, "Revision": 1},
			"Template": map[string]interface{}{"Name": name, "BasePath": chartName + "/templates"},
			"Capabilities": map[string]interface{}{
				"KubeVersion": map[string]interface{}{"Version": "v1.30.0", "Major": "1", "Minor": "30"},
			},
		}
		var buf bytes.Buffer
		if err := root.ExecuteTemplate(&buf, name, data); err != nil {
			fail("%v", err)
		}
		out := strings.TrimSpace(buf.String())
		if out == "" {
			continue
		}
		for _, doc := range strings.Split(out, "\n---") {
			doc = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(doc), "---"))
			if doc != "" {
				fmt.Printf("---\n# Source: %s\n%s\n", name, doc)
			}
		}
	}
}
