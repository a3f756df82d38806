package streampoller

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// FileCheckpoints keeps checkpoints in a JSON file, so a restarted local
// stack with a data folder goes on where it stopped instead of notifying
// every stored question again, as a Lambda mapping would.
type FileCheckpoints struct {
	path string
	mu   sync.Mutex
	m    map[string]string
}

// OpenFileCheckpoints loads path, or starts empty if it does not exist.
func OpenFileCheckpoints(path string) (*FileCheckpoints, error) {
	c := &FileCheckpoints{path: path, m: map[string]string{}}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading stream checkpoints: %w", err)
	}
	if err := json.Unmarshal(b, &c.m); err != nil {
		return nil, fmt.Errorf("stream checkpoints %s: %w (delete the file to start over)", path, err)
	}
	return c, nil
}

// Get returns the shard's checkpoint.
func (c *FileCheckpoints) Get(shardID string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	seq, ok := c.m[shardID]
	return seq, ok
}

// Set records the checkpoint and writes the file (whole, then renamed, so
// a crash leaves the old or the new file, never half of one).
func (c *FileCheckpoints) Set(shardID, seq string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[shardID] = seq
	b, err := json.MarshalIndent(c.m, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding stream checkpoints: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(c.path), ".checkpoints-*")
	if err != nil {
		return fmt.Errorf("writing stream checkpoints: %w", err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename there is nothing left to remove
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("writing stream checkpoints: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing stream checkpoints: %w", err)
	}
	if err := os.Rename(tmp.Name(), c.path); err != nil {
		return fmt.Errorf("writing stream checkpoints: %w", err)
	}
	return nil
}
