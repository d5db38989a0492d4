package runner

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/consentry/consentry/steps/report"
)

// Formats lists the formats of --format, as the usage shows them.
const Formats = "progress, pretty, junit:FILE, cucumber:FILE, html:DIR"

// Output is one entry of a format list: a console format (Dest empty) or
// a report written to a file or directory.
type Output struct {
	Name, Dest string
}

// ParseFormats reads a comma-separated format list. At most one console
// format (progress or pretty; progress when none is given); html needs a
// directory. junit and cucumber are returned with their file, or with an
// empty Dest when none was given, which WriteReports writes to its console
// writer (for library callers); the consentry command refuses both without
// a file, since on its console they would be mixed with the progress and
// the summary.
func ParseFormats(list string) (console string, files []Output, err error) {
	for _, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		name, dest, _ := strings.Cut(f, ":")
		switch name {
		case FormatProgress, FormatPretty:
			if dest != "" {
				return "", nil, fmt.Errorf("--format %q: %s writes to the console and takes no file", list, name)
			}
			if console != "" && console != name {
				return "", nil, fmt.Errorf("--format %q: choose one of progress and pretty", list)
			}
			console = name
		case "junit", "cucumber":
			files = append(files, Output{name, dest})
		case "html":
			if dest == "" {
				return "", nil, fmt.Errorf("--format %q: html needs a directory: html:DIR", list)
			}
			files = append(files, Output{name, dest})
		default:
			return "", nil, fmt.Errorf("--format: unknown format %q (formats: %s)", name, Formats)
		}
	}
	if console == "" {
		console = FormatProgress
	}
	return console, files, nil
}

// WriteReports writes the report in every file format of outs; cucumber
// is copied from the run's cucumber JSON (cucumber, nil for a merged
// report: then it is the merged one). JUnit and cucumber without a file
// go to console.
func WriteReports(rep *report.Report, outs []Output, cucumber []byte, junit report.JUnitOptions, html report.HTMLOptions, console io.Writer) error {
	for _, o := range outs {
		var err error
		switch o.Name {
		case "junit":
			err = writeFile(o.Dest, console, func(w io.Writer) error { return rep.WriteJUnit(w, junit) })
		case "cucumber":
			err = writeFile(o.Dest, console, func(w io.Writer) error { _, err := w.Write(cucumber); return err })
		case "html":
			err = rep.WriteHTML(o.Dest, html)
		}
		if err != nil {
			return fmt.Errorf("%s report: %w", o.Name, err)
		}
	}
	return nil
}

func writeFile(dest string, console io.Writer, write func(io.Writer) error) error {
	if dest == "" {
		return write(console)
	}
	if dir := filepath.Dir(dest); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	f, err := os.Create(dest)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Written lists the reports of outs that went to files, as the console
// names them: "junit out.xml", "html reports/index.html".
func Written(outs []Output) []string {
	var out []string
	for _, o := range outs {
		switch {
		case o.Dest == "":
		case o.Name == "html":
			out = append(out, "html "+filepath.Join(o.Dest, report.HTMLFile))
		default:
			out = append(out, o.Name+" "+o.Dest)
		}
	}
	return out
}
