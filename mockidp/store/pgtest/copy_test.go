package pgtest

import (
	"context"
	"database/sql"
	"sync/atomic"
	"testing"
)

func TestMain(m *testing.M) { Main(m) }

// Copy prepares its template once, and each copy starts as the template
// was and is a database of its own: what one caller writes, no other sees.
func TestCopyGivesEachCallerTheTemplateInADatabaseOfItsOwn(t *testing.T) {
	var prepared atomic.Int32
	prepare := func(ctx context.Context, url string) error {
		prepared.Add(1)
		db, err := sql.Open("pgx", url)
		if err != nil {
			return err
		}
		defer db.Close()
		_, err = db.ExecContext(ctx, "CREATE TABLE notes (body text); INSERT INTO notes VALUES ('from the template')")
		return err
	}
	open := func(url string) *sql.DB {
		db, err := sql.Open("pgx", url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	notes := func(db *sql.DB) []string {
		rows, err := db.Query("SELECT body FROM notes ORDER BY body")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var got []string
		for rows.Next() {
			var b string
			if err := rows.Scan(&b); err != nil {
				t.Fatal(err)
			}
			got = append(got, b)
		}
		return got
	}

	a, b := open(Copy(t, "notes", prepare)), open(Copy(t, "notes", prepare))
	if n := prepared.Load(); n != 1 {
		t.Fatalf("prepare ran %d times for two copies, want once", n)
	}
	if _, err := a.Exec("INSERT INTO notes VALUES ('only in a')"); err != nil {
		t.Fatal(err)
	}
	if got := notes(a); len(got) != 2 || got[0] != "from the template" || got[1] != "only in a" {
		t.Errorf("copy a holds %q, want the template's row and its own", got)
	}
	if got := notes(b); len(got) != 1 || got[0] != "from the template" {
		t.Errorf("copy b holds %q, want only the template's row", got)
	}
	// A copy asked for after a write to another is still the template.
	if got := notes(open(Copy(t, "notes", prepare))); len(got) != 1 || got[0] != "from the template" {
		t.Errorf("a third copy holds %q, want only the template's row", got)
	}
}
