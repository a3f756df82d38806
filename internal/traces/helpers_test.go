package traces

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// fixtureDocs reads a JSON-lines capture of the local stack's UDP documents.
func fixtureDocs(t *testing.T, name string) [][]byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "traces", name))
	if err != nil {
		t.Fatal(err)
	}
	var docs [][]byte
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, MaxDocumentSize)
	for sc.Scan() {
		if line := bytes.TrimSpace(sc.Bytes()); len(line) > 0 {
			docs = append(docs, bytes.Clone(line))
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(docs) == 0 {
		t.Fatalf("%s: no documents", name)
	}
	return docs
}

// fixtureStore is a store fed a capture, in the order it arrived.
func fixtureStore(t *testing.T, name string) *Store {
	t.Helper()
	s := NewStore(0)
	for i, d := range fixtureDocs(t, name) {
		if err := s.Add(d); err != nil {
			t.Fatalf("%s line %d: %v", name, i+1, err)
		}
	}
	return s
}
