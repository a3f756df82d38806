package streampoller

import (
	"os"
	"path/filepath"
	"testing"
)

func TestFileCheckpointsSurviveAReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "checkpoints.json")
	c, err := OpenFileCheckpoints(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Get("shard-1"); ok {
		t.Error("a new store has a checkpoint")
	}
	for _, seq := range []string{"100", "200"} {
		if err := c.Set("shard-1", seq); err != nil {
			t.Fatal(err)
		}
	}
	again, err := OpenFileCheckpoints(path)
	if err != nil {
		t.Fatal(err)
	}
	if seq, ok := again.Get("shard-1"); !ok || seq != "200" {
		t.Errorf("after reopening: %q, %v; want the last checkpoint 200", seq, ok)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("folder holds %d files, want only the checkpoint file (no temporary leftovers)", len(entries))
	}
}

func TestFileCheckpointsRejectACorruptFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "checkpoints.json")
	if err := os.WriteFile(path, []byte("{half"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenFileCheckpoints(path); err == nil {
		t.Error("a corrupt checkpoint file was accepted")
	}
}
