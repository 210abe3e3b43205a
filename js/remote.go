package js

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Remote modules: a script may import (or require) a module by its https://
// URL — jslib.k6.io's, say — or by an http:// URL on the loopback interface.
// A module's location is then its URL, and its relative imports resolve
// against it. Each URL is fetched once per run, in the bundle's init, and kept
// with the bundle's files (an archive carries them, so running it needs no
// network).

// fetchTimeout bounds the download of one remote module.
const fetchTimeout = 30 * time.Second

// isRemote reports whether a module location is a URL.
func isRemote(location string) bool {
	return strings.HasPrefix(location, "https://") || strings.HasPrefix(location, "http://")
}

// locationURL is how a module location appears in stack traces and messages.
func locationURL(location string) string {
	if isRemote(location) {
		return location
	}
	return fileURL(location)
}

// remoteDir is the base that a remote module's relative imports resolve
// against: its URL up to the last slash.
func remoteDir(location string) string {
	return location[:strings.LastIndex(location, "/")+1]
}

// resolveRemote resolves a specifier imported from a remote module (base is
// its remoteDir), or a remote specifier, to a URL.
func resolveRemote(base, specifier string) (string, error) {
	ref, err := url.Parse(specifier)
	if err != nil {
		return "", fmt.Errorf("bad module specifier %q: %w", specifier, err)
	}
	if base != "" {
		b, err := url.Parse(base)
		if err != nil {
			return "", fmt.Errorf("bad module URL %q: %w", base, err)
		}
		ref = b.ResolveReference(ref)
	}
	if err := checkRemote(ref); err != nil {
		return "", err
	}
	return ref.String(), nil
}

// checkRemote allows https:// URLs, and http:// ones on the loopback
// interface only.
func checkRemote(u *url.URL) error {
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		host := u.Hostname()
		if ip := net.ParseIP(host); host == "localhost" || (ip != nil && ip.IsLoopback()) {
			return nil
		}
		return fmt.Errorf("the module %s can't be loaded: http:// imports are allowed from the loopback interface only; use https://", u)
	}
	return fmt.Errorf("the module %s can't be loaded: minik6 loads local files, https:// URLs and k6/* modules", u)
}

// fetchRemote downloads a remote module.
func fetchRemote(location string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), fetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, location, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetching %s: %w", location, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetching %s: the server answered %s", location, resp.Status)
	}
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("fetching %s: %w", location, err)
	}
	return data, nil
}
