package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/consentry/consentry/steps/report"
	"github.com/consentry/consentry/steps/runner"
)

const mergeSynopsis = "consentry report merge FILE.json... [--format html:DIR,junit:FILE,cucumber:FILE]"

func reportCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "merge" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprintf(stdout, "usage: %s\n", mergeSynopsis)
			return 0
		}
		fmt.Fprintf(stderr, "usage: %s\n", mergeSynopsis)
		return 2
	}
	return mergeReports(args[1:], stdout, stderr)
}

// mergeReports reads the cucumber reports of a run's shards and writes one
// report of them all: the rule table on the console, and the formats
// asked for. Flags may come before, between or after the files. It exits
// like run: 0 when every applicable scenario passed, 1 otherwise, 2 when
// a file cannot be read or the shards overlap.
func mergeReports(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("consentry report merge")
	format := fs.String("format", "", "reports to write, comma-separated: junit:FILE, cucumber:FILE, html:DIR")
	var files []string
	for {
		if code, stop := parseFlags(fs, mergeSynopsis, args, stdout, stderr); stop {
			return code
		}
		if fs.NArg() == 0 {
			break
		}
		files = append(files, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(files) == 0 {
		fmt.Fprintf(stderr, "consentry report merge: no cucumber report given (usage: %s)\n", mergeSynopsis)
		return 2
	}
	if err := checkFormats(*format); err != nil {
		fmt.Fprintf(stderr, "consentry report merge: %v\n", err)
		return 2
	}
	_, outs, err := runner.ParseFormats(*format)
	if err != nil {
		fmt.Fprintf(stderr, "consentry report merge: %v\n", err)
		return 2
	}
	var reports []*report.Report
	var raws [][]byte
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			fmt.Fprintf(stderr, "consentry report merge: %v\n", err)
			return 2
		}
		rep, err := report.FromCucumber(bytes.NewReader(data))
		if err != nil {
			fmt.Fprintf(stderr, "consentry report merge: %s: %v\n", f, err)
			return 2
		}
		reports = append(reports, rep)
		raws = append(raws, data)
	}
	merged, err := report.Merge(reports...)
	if err != nil {
		fmt.Fprintf(stderr, "consentry report merge: %v\n", err)
		return 2
	}
	cucumber, err := mergeCucumber(raws)
	if err != nil {
		fmt.Fprintf(stderr, "consentry report merge: %v\n", err)
		return 2
	}
	if err := runner.WriteReports(merged, outs, cucumber, report.JUnitOptions{}, report.HTMLOptions{}, stdout); err != nil {
		fmt.Fprintf(stderr, "consentry report merge: %v\n", err)
		return 2
	}
	fmt.Fprintf(stdout, "%d reports merged\n\n", len(files))
	if err := merged.WriteSummary(stdout); err != nil {
		fmt.Fprintf(stderr, "consentry: %v\n", err)
		return 2
	}
	if written := runner.Written(outs); len(written) > 0 {
		fmt.Fprintf(stdout, "\nreports: %s\n", strings.Join(written, ", "))
	}
	if !merged.OK() {
		return 1
	}
	return 0
}

// mergeCucumber joins cucumber reports: one feature per file, holding the
// elements of that feature from every report, in report order.
func mergeCucumber(raws [][]byte) ([]byte, error) {
	var out []map[string]json.RawMessage
	index := map[string]int{}
	for _, raw := range raws {
		var features []map[string]json.RawMessage
		if err := json.Unmarshal(raw, &features); err != nil {
			return nil, fmt.Errorf("reading a cucumber report: %w", err)
		}
		for _, f := range features {
			var uri string
			_ = json.Unmarshal(f["uri"], &uri)
			i, ok := index[uri]
			if !ok {
				index[uri] = len(out)
				out = append(out, f)
				continue
			}
			var have, more []json.RawMessage
			_ = json.Unmarshal(out[i]["elements"], &have)
			_ = json.Unmarshal(f["elements"], &more)
			joined, err := json.Marshal(append(have, more...))
			if err != nil {
				return nil, err
			}
			out[i]["elements"] = joined
		}
	}
	if out == nil {
		out = []map[string]json.RawMessage{}
	}
	return json.MarshalIndent(out, "", "    ")
}
