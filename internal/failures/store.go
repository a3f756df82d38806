package failures

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Object is one failed batch in a store.
type Object struct {
	Key          string
	Record       Record
	LastModified time.Time
	// RedrivenThrough is the sequence number of the last record redrive
	// notified ("" = none): a redrive cut short goes on after it.
	RedrivenThrough string
}

// Store is where the failure records are.
type Store interface {
	// List reads every record, oldest first.
	List(ctx context.Context) ([]Object, error)
	// SetRedrivenThrough records redrive's progress on an object.
	SetRedrivenThrough(ctx context.Context, key, sequenceNumber string) error
	// Delete removes a redriven object; deleting one already gone is not
	// an error, so a second redrive can repeat it.
	Delete(ctx context.Context, key string) error
	// Exists reports whether the store holds key now (a batch that failed
	// since List is there too).
	Exists(ctx context.Context, key string) (bool, error)
	// Describe names the store for people: s3://bucket, or a folder.
	Describe() string
}

// progressSuffix marks the file beside a record that holds redrive's
// progress on it (on S3, an object tag).
const progressSuffix = ".redriven"

// Dir is the local stack's failure store: one file per record under the
// record's key, as S3 would keep it. The files hold e-mail addresses:
// they are readable by their owner only.
type Dir string

var _ Store = Dir("")

// Describe is the folder.
func (d Dir) Describe() string { return string(d) }

func (d Dir) path(key string) (string, error) {
	clean := filepath.Clean(filepath.FromSlash(key))
	if key == "" || filepath.IsAbs(clean) || clean == "." || strings.HasPrefix(clean, "..") {
		return "", fmt.Errorf("failure store %s: key %q is not a relative path", d, key)
	}
	return filepath.Join(string(d), clean), nil
}

// Put writes a record under key, whole or not at all.
func (d Dir) Put(_ context.Context, key string, rec Record) error {
	path, err := d.path(key)
	if err != nil {
		return err
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("encoding failure record: %w", err)
	}
	if err := writeFile(path, b); err != nil {
		return fmt.Errorf("failure store %s: %w", d, err)
	}
	return nil
}

// writeFile writes b to path through a temporary file in the same folder.
func writeFile(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // nothing left to remove after the rename
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// List reads every record in the folder; a folder that does not exist yet
// is an empty store.
func (d Dir) List(ctx context.Context) ([]Object, error) {
	var objs []Object
	err := filepath.WalkDir(string(d), func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && path == string(d) {
				return fs.SkipAll
			}
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		name := e.Name()
		if e.IsDir() || strings.HasPrefix(name, ".tmp-") || strings.HasSuffix(name, progressSuffix) {
			return nil
		}
		rel, err := filepath.Rel(string(d), path)
		if err != nil {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		obj := Object{Key: filepath.ToSlash(rel)}
		if err := json.Unmarshal(b, &obj.Record); err != nil {
			return fmt.Errorf("%s is not a failure record: %w", path, err)
		}
		info, err := e.Info()
		if err != nil {
			return err
		}
		obj.LastModified = info.ModTime()
		progress, err := os.ReadFile(path + progressSuffix)
		switch {
		case err == nil:
			obj.RedrivenThrough = strings.TrimSpace(string(progress))
		case !errors.Is(err, fs.ErrNotExist):
			return err
		}
		objs = append(objs, obj)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading failure store %s: %w", d, err)
	}
	sortOldestFirst(objs)
	return objs, nil
}

// SetRedrivenThrough writes the progress file beside the record.
func (d Dir) SetRedrivenThrough(_ context.Context, key, seq string) error {
	path, err := d.path(key)
	if err != nil {
		return err
	}
	if err := writeFile(path+progressSuffix, []byte(seq+"\n")); err != nil {
		return fmt.Errorf("failure store %s: %w", d, err)
	}
	return nil
}

// Delete removes the record and its progress file.
func (d Dir) Delete(_ context.Context, key string) error {
	path, err := d.path(key)
	if err != nil {
		return err
	}
	for _, p := range []string{path + progressSuffix, path} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("failure store %s: %w", d, err)
		}
	}
	return nil
}

// Exists reports whether the record's file is there.
func (d Dir) Exists(_ context.Context, key string) (bool, error) {
	path, err := d.path(key)
	if err != nil {
		return false, err
	}
	switch _, err := os.Stat(path); {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	default:
		return false, fmt.Errorf("failure store %s: %w", d, err)
	}
}

// sortOldestFirst orders by the record's timestamp, then key.
func sortOldestFirst(objs []Object) {
	slices.SortStableFunc(objs, func(a, b Object) int {
		return strings.Compare(a.Record.Timestamp+a.Key, b.Record.Timestamp+b.Key)
	})
}
