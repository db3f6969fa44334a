// Command release makes Sentry AI's release artefacts from binaries that
// scripts/release has built and staged: the .deb and .rpm packages (described
// by the package descriptions beside this file), the icon sizes of the desktop
// entry, the plain .tar.gz of the server, the changelog entry of the version
// and SHA256SUMS. It is its own module so that the packager's dependencies stay
// out of the app's go.mod.
//
//	release icons     -src build/appicon.png -name sentry -out DIR
//	release changelog -version V -date RFC3339 -packager "Name <mail>" -notes FILE -yaml OUT -md OUT
//	release package   -config FILE.yaml -packager deb|rpm -out FILE [-depends "a, b (>= 1)"]
//	release tarball   -out FILE.tar.gz -prefix DIR -mtime RFC3339 SRC=DST[:MODE] …
//	release sums      -dir DIR
//	release sign      -in FILE -out FILE.asc      (with RELEASE_SIGNING_KEY)
//	release keygen    -email E -secret FILE -public FILE
//
// The package configurations read ${VAR}s from the environment (VERSION,
// RELEASE, STAGE, SRC: see scripts/release).
package main

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/goreleaser/chglog"
	"github.com/goreleaser/nfpm/v2"
	_ "github.com/goreleaser/nfpm/v2/deb" // registers the deb packager
	"github.com/goreleaser/nfpm/v2/files"
	_ "github.com/goreleaser/nfpm/v2/rpm" // registers the rpm packager
	"go.yaml.in/yaml/v3"
	"golang.org/x/image/draw"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: release icons|changelog|package|tarball|sums|sign|keygen [flags]")
		os.Exit(2)
	}
	cmds := map[string]func([]string) error{
		"icons": cmdIcons, "changelog": cmdChangelog, "package": cmdPackage,
		"tarball": cmdTarball, "sums": cmdSums, "sign": cmdSign, "keygen": cmdKeygen,
	}
	cmd, ok := cmds[os.Args[1]]
	if !ok {
		fmt.Fprintf(os.Stderr, "release: unknown command %q\n", os.Args[1])
		os.Exit(2)
	}
	if err := cmd(os.Args[2:]); err != nil {
		fmt.Fprintf(os.Stderr, "release %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}

// IconSizes are the hicolor sizes desktops look up for an application icon.
var IconSizes = []int{16, 22, 24, 32, 48, 64, 128, 256, 512}

// cmdIcons scales the square source icon to every size in IconSizes and
// writes DIR/<n>x<n>/apps/<name>.png.
func cmdIcons(args []string) error {
	fs := flag.NewFlagSet("icons", flag.ExitOnError)
	src := fs.String("src", "build/appicon.png", "square PNG, at least 512×512")
	name := fs.String("name", "sentry", "icon name")
	out := fs.String("out", "", "output hicolor directory")
	fs.Parse(args)
	if *out == "" {
		return errors.New("-out is required")
	}
	f, err := os.Open(*src)
	if err != nil {
		return err
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		return fmt.Errorf("%s: %w", *src, err)
	}
	b := img.Bounds()
	if b.Dx() != b.Dy() || b.Dx() < IconSizes[len(IconSizes)-1] {
		return fmt.Errorf("%s is %d×%d: want a square of at least %d", *src, b.Dx(), b.Dy(), IconSizes[len(IconSizes)-1])
	}
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	for _, n := range IconSizes {
		dst := image.NewNRGBA(image.Rect(0, 0, n, n))
		draw.CatmullRom.Scale(dst, dst.Bounds(), img, b, draw.Src, nil)
		p := filepath.Join(*out, fmt.Sprintf("%dx%d", n, n), "apps", *name+".png")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		w, err := os.Create(p)
		if err != nil {
			return err
		}
		if err := enc.Encode(w, dst); err != nil {
			w.Close()
			return err
		}
		if err := w.Close(); err != nil {
			return err
		}
	}
	return nil
}

// cmdChangelog writes the changelog entry of one version twice: as the
// packager's changelog file (its YAML form, from which the .deb and .rpm
// changelogs are made) and as a CHANGELOG.md section. The notes file has
// one change a line.
func cmdChangelog(args []string) error {
	fs := flag.NewFlagSet("changelog", flag.ExitOnError)
	version := fs.String("version", "", "package version, e.g. 1.2.0-1")
	date := fs.String("date", "", "RFC 3339 date of the release")
	packager := fs.String("packager", "", "Name <email>")
	notes := fs.String("notes", "", "file with one change a line")
	yamlOut := fs.String("yaml", "", "output: changelog for the packager")
	mdOut := fs.String("md", "", "output: CHANGELOG.md")
	fs.Parse(args)
	if *version == "" || *date == "" || *packager == "" || *yamlOut == "" || *mdOut == "" {
		return errors.New("-version, -date, -packager, -yaml and -md are required")
	}
	when, err := time.Parse(time.RFC3339, *date)
	if err != nil {
		return err
	}
	var changes []string
	if *notes != "" {
		f, err := os.Open(*notes)
		if err != nil {
			return err
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if l := strings.TrimSpace(sc.Text()); l != "" {
				changes = append(changes, l)
			}
		}
		f.Close()
		if err := sc.Err(); err != nil {
			return err
		}
	}
	if len(changes) == 0 {
		changes = []string{"Release " + *version + "."}
	}
	entry := &chglog.ChangeLog{
		Semver: *version, Date: when.UTC(), Packager: *packager,
		ChangeLogOverridables: chglog.ChangeLogOverridables{Deb: &chglog.ChangelogDeb{Urgency: "medium", Distributions: []string{"stable"}}},
	}
	md := fmt.Sprintf("# Changelog\n\n## %s — %s\n\n", *version, when.UTC().Format("2006-01-02"))
	for _, c := range changes {
		entry.Changes = append(entry.Changes, &chglog.ChangeLogChange{Note: c})
		md += "- " + c + "\n"
	}
	y, err := yaml.Marshal(chglog.ChangeLogEntries{entry})
	if err != nil {
		return err
	}
	if err := os.WriteFile(*yamlOut, y, 0o644); err != nil {
		return err
	}
	return os.WriteFile(*mdOut, []byte(md), 0o644)
}

// cmdPackage builds one package from a package description.
func cmdPackage(args []string) error {
	fs := flag.NewFlagSet("package", flag.ExitOnError)
	config := fs.String("config", "", "package description (YAML)")
	format := fs.String("packager", "deb", "deb or rpm")
	out := fs.String("out", "", "output file")
	depends := fs.String("depends", "", "extra dependencies, comma separated (e.g. dpkg-shlibdeps' output)")
	fs.Parse(args)
	if *config == "" || *out == "" {
		return errors.New("-config and -out are required")
	}
	// The ${VAR}s are expanded here, in the whole file (the packager
	// expands only some fields); an unset one is a mistake that would
	// package an empty path.
	text, err := os.ReadFile(*config)
	if err != nil {
		return err
	}
	var unset []string
	expanded := os.Expand(string(text), func(k string) string {
		v, ok := os.LookupEnv(k)
		if !ok {
			unset = append(unset, k)
		}
		return v
	})
	if len(unset) > 0 {
		return fmt.Errorf("%s: not set in the environment: %s", *config, strings.Join(unset, ", "))
	}
	cfg, err := nfpm.ParseWithEnvMapping(strings.NewReader(expanded), os.Getenv)
	if err != nil {
		return fmt.Errorf("%s: %w", *config, err)
	}
	info, err := cfg.Get(*format)
	if err != nil {
		return err
	}
	info = nfpm.WithDefaults(info)
	for d := range strings.SplitSeq(*depends, ",") {
		if d = strings.TrimSpace(d); d != "" {
			info.Depends = append(info.Depends, d)
		}
	}
	if *format == "rpm" {
		// What rpmbuild's own dependency generator would require: each shared
		// library the ELF files need that the package does not ship, by soname.
		req, err := elfRequires(info.Contents)
		if err != nil {
			return err
		}
		info.Depends = append(info.Depends, req...)
	}
	if key := os.Getenv(envSigningKey); key != "" {
		// An .rpm carries its signature in its header. A .deb does not: an
		// extra archive member is not allowed in Debian's format, so the
		// .debs are signed through SHA256SUMS.asc (as an apt repository
		// signs its Release file, not each package).
		info.RPM.Signature.KeyFile, info.RPM.Signature.KeyPassphrase = key, os.Getenv(envSigningPassphrase)
	}
	pkg, err := nfpm.Get(*format)
	if err != nil {
		return err
	}
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	info.Target = *out
	if err := pkg.Package(info, f); err != nil {
		f.Close()
		os.Remove(*out)
		return err
	}
	return f.Close()
}

// elfRequires lists "soname()(64bit)" for every library that an ELF file in
// contents needs and that is not itself in contents.
func elfRequires(contents files.Contents) ([]string, error) {
	shipped := map[string]bool{}
	needed := map[string]bool{}
	for _, c := range contents {
		if (c.Type != "" && c.Type != files.TypeFile) || c.Source == "" {
			continue
		}
		f, err := elf.Open(c.Source)
		if err != nil {
			continue // not an ELF file
		}
		shipped[path.Base(c.Destination)] = true
		if so, _ := f.DynString(elf.DT_SONAME); len(so) > 0 {
			shipped[so[0]] = true
		}
		libs, err := f.ImportedLibraries()
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.Source, err)
		}
		for _, l := range libs {
			needed[l] = true
		}
	}
	var req []string
	for l := range needed {
		if !shipped[l] {
			req = append(req, l+"()(64bit)")
		}
	}
	sort.Strings(req)
	return req, nil
}

// cmdTarball writes a gzip-compressed tar of the given files under one
// top-level directory, owned by root, with one modification time.
func cmdTarball(args []string) error {
	fs := flag.NewFlagSet("tarball", flag.ExitOnError)
	out := fs.String("out", "", "output .tar.gz")
	prefix := fs.String("prefix", "", "top-level directory in the archive")
	mtime := fs.String("mtime", "", "RFC 3339 modification time of every entry")
	fs.Parse(args)
	if *out == "" || *prefix == "" || fs.NArg() == 0 {
		return errors.New("-out, -prefix and SRC=DST[:MODE] arguments are required")
	}
	when := time.Unix(0, 0)
	if *mtime != "" {
		t, err := time.Parse(time.RFC3339, *mtime)
		if err != nil {
			return err
		}
		when = t
	}
	type entry struct {
		src, dst string
		mode     int64
	}
	var entries []entry
	dirs := map[string]bool{*prefix + "/": true}
	for _, a := range fs.Args() {
		src, dst, ok := strings.Cut(a, "=")
		if !ok {
			return fmt.Errorf("%q: want SRC=DST[:MODE]", a)
		}
		mode := int64(0o644)
		if d, m, ok := strings.Cut(dst, ":"); ok {
			v, err := strconv.ParseInt(m, 8, 32)
			if err != nil {
				return fmt.Errorf("%q: mode: %w", a, err)
			}
			dst, mode = d, v
		}
		dst = path.Join(*prefix, path.Clean("/" + dst)[1:])
		for d := path.Dir(dst); d != "." && d != "/"; d = path.Dir(d) {
			dirs[d+"/"] = true
		}
		entries = append(entries, entry{src, dst, mode})
	}
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	defer f.Close()
	gz := gzip.NewWriter(f)
	tw := tar.NewWriter(gz)
	hdr := func(name string, typ byte, mode, size int64) *tar.Header {
		return &tar.Header{Name: name, Typeflag: typ, Mode: mode, Size: size, ModTime: when,
			Uname: "root", Gname: "root", Format: tar.FormatPAX}
	}
	dirList := make([]string, 0, len(dirs))
	for d := range dirs {
		dirList = append(dirList, d)
	}
	slices.Sort(dirList)
	for _, d := range dirList {
		if err := tw.WriteHeader(hdr(d, tar.TypeDir, 0o755, 0)); err != nil {
			return err
		}
	}
	for _, e := range entries {
		in, err := os.Open(e.src)
		if err != nil {
			return err
		}
		st, err := in.Stat()
		if err == nil {
			err = tw.WriteHeader(hdr(e.dst, tar.TypeReg, e.mode, st.Size()))
		}
		if err == nil {
			_, err = io.Copy(tw, in)
		}
		in.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", e.src, err)
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if err := gz.Close(); err != nil {
		return err
	}
	return f.Close()
}

// cmdSums writes DIR/SHA256SUMS for the regular files in DIR, in the format
// `sha256sum -c` reads.
func cmdSums(args []string) error {
	fs := flag.NewFlagSet("sums", flag.ExitOnError)
	dir := fs.String("dir", "", "directory of release files")
	fs.Parse(args)
	if *dir == "" {
		return errors.New("-dir is required")
	}
	ents, err := os.ReadDir(*dir)
	if err != nil {
		return err
	}
	var b strings.Builder
	for _, e := range ents {
		if !e.Type().IsRegular() || e.Name() == "SHA256SUMS" || e.Name() == "SHA256SUMS.asc" {
			continue
		}
		f, err := os.Open(filepath.Join(*dir, e.Name()))
		if err != nil {
			return err
		}
		h := sha256.New()
		_, err = io.Copy(h, f)
		f.Close()
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "%s  %s\n", hex.EncodeToString(h.Sum(nil)), e.Name())
	}
	return os.WriteFile(filepath.Join(*dir, "SHA256SUMS"), []byte(b.String()), 0o644)
}
