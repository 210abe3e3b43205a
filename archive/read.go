package archive

import (
	"archive/tar"
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"path"
	"strings"

	"github.com/minik6/minik6/exitcode"
)

// Read reads an archive written by Write or by k6 (the layouts of v1.7 and v2.2;
// unknown metadata keys and top-level folders are ignored). Files holds every
// file/<path> entry, the main script included, and Remote every http/ or https/
// entry by URL.
//
// It refuses, with an *exitcode.Error of code InvalidConfig, an archive that is
// truncated or corrupt, lacks metadata.json or data, or has an entry that could
// reach outside its folder: a name that is absolute or has a ".." element, a
// symbolic link, or a hard link to anything but data.
func Read(r io.Reader) (*Archive, error) {
	br := bufio.NewReader(r)
	if magic, _ := br.Peek(2); bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		return nil, invalid("the archive is gzip-compressed: unpack it first, archives are plain tar files")
	}

	a := &Archive{Env: map[string]string{}, Files: map[string][]byte{}, Remote: map[string][]byte{}}
	var meta []byte
	var hasMeta, hasData bool
	var links []string
	tail := &zeroTail{r: br}
	tr := tar.NewReader(tail)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			if tail.zeros < blockSize {
				return nil, invalid("the archive is truncated or corrupt: it lacks the end-of-archive marker")
			}
			break
		}
		// With GODEBUG=tarinsecurepath=0 archive/tar flags unsafe names itself;
		// entryName below says what is wrong with them.
		if err != nil && !errors.Is(err, tar.ErrInsecurePath) {
			return nil, invalid("the archive is truncated or corrupt: %v", err)
		}
		name, err := entryName(hdr.Name)
		if err != nil {
			return nil, err
		}
		switch hdr.Typeflag {
		case tar.TypeDir, tar.TypeXGlobalHeader:
			// Folders are implied by the files' paths.
		case tar.TypeReg:
			body, err := io.ReadAll(tr)
			if err != nil {
				return nil, invalid("the archive is truncated or corrupt in the entry %q: %v", hdr.Name, err)
			}
			switch name {
			case metadataEntry:
				meta, hasMeta = body, true
			case dataEntry:
				a.Data, hasData = body, true
			default:
				a.put(name, body)
			}
		case tar.TypeLink:
			if strings.TrimPrefix(hdr.Linkname, "./") != dataEntry {
				return nil, invalid("the archive entry %q is a hard link to %q: only links to data are allowed", hdr.Name, hdr.Linkname)
			}
			links = append(links, name)
		case tar.TypeSymlink:
			return nil, invalid("the archive entry %q is a symbolic link, which could point outside the archive", hdr.Name)
		default:
			return nil, invalid("the archive entry %q has the unsupported type %q", hdr.Name, hdr.Typeflag)
		}
	}

	if !hasMeta {
		return nil, invalid("the archive has no metadata.json: it was not made by minik6 archive or k6 archive")
	}
	var m metadata
	if err := json.Unmarshal(meta, &m); err != nil {
		return nil, invalid("the archive entry %q is not valid: %v", metadataEntry, err)
	}
	if m.Filename == "" {
		return nil, invalid("the archive entry %q names no main script (its filename is empty)", metadataEntry)
	}
	if !hasData {
		return nil, invalid("the archive has no data entry: it should hold the main script's source")
	}

	a.Type, a.Options, a.Filename, a.Pwd = m.Type, m.Options, m.Filename, m.Pwd
	a.CompatibilityMode, a.K6Version, a.Goos = m.CompatibilityMode, m.K6Version, m.Goos
	if m.Env != nil {
		a.Env = m.Env
	}
	for _, name := range links {
		a.put(name, bytes.Clone(a.Data))
	}
	return a, nil
}

// blockSize is the size of a tar block; a tar ends with one or two blocks of zeros.
const blockSize = 512

// zeroTail counts the zero bytes at the end of what was read through it, so that Read
// can tell a tar that ends with its end-of-archive marker (zero blocks) from one cut
// at a block boundary, which archive/tar takes for a clean end.
type zeroTail struct {
	r     io.Reader
	zeros int
}

// Read reads from the underlying reader and counts the trailing zero bytes.
func (z *zeroTail) Read(p []byte) (int, error) {
	n, err := z.r.Read(p)
	if rest := bytes.TrimRight(p[:n], "\x00"); len(rest) == 0 {
		z.zeros += n
	} else {
		z.zeros = n - len(rest)
	}
	return n, err
}

// entryName returns the name of a tar entry without "./" or a trailing slash, or
// refuses a name that is absolute or has a ".." element.
func entryName(raw string) (string, error) {
	if strings.HasPrefix(raw, "/") || strings.HasPrefix(raw, `\`) {
		return "", invalid("the archive entry %q escapes its folder: its name is absolute", raw)
	}
	for _, el := range strings.FieldsFunc(raw, func(r rune) bool { return r == '/' || r == '\\' }) {
		if el == ".." {
			return "", invalid("the archive entry %q escapes its folder: its name has a \"..\" element", raw)
		}
	}
	return strings.TrimPrefix(path.Clean("/"+raw), "/"), nil
}

// put files body under its key: "file/<path>" in Files as "/<path>",
// "https/<host>/<path>" in Remote as "https://<host>/<path>" (and so for http).
// Other names are not part of the test and are dropped.
func (a *Archive) put(name string, body []byte) {
	folder, rest, _ := strings.Cut(name, "/")
	switch folder {
	case fileFolder:
		if rest != "" {
			a.Files["/"+rest] = body
		}
	case "http", "https":
		host, p, _ := strings.Cut(rest, "/")
		if host != "" && p != "" {
			a.Remote[folder+"://"+host+"/"+p] = body
		}
	}
}

// invalid returns an error that ends the process with exitcode.InvalidConfig.
func invalid(format string, args ...any) error {
	return exitcode.Errorf(exitcode.InvalidConfig, format, args...)
}
