package main

import (
	"bytes"
	"crypto"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// Signing: when RELEASE_SIGNING_KEY names an OpenPGP secret key (armored or
// binary; its passphrase, if any, in RELEASE_SIGNING_PASSPHRASE), the .rpms
// are signed with it (a header signature) and SHA256SUMS, which names every
// artefact's hash, gets a detached SHA256SUMS.asc.
const (
	envSigningKey        = "RELEASE_SIGNING_KEY"
	envSigningPassphrase = "RELEASE_SIGNING_PASSPHRASE"
)

// cmdKeygen makes a signing key pair: the secret key (armored, no
// passphrase: protect the file, or add one with any OpenPGP tool) and the
// public key users import to verify releases.
func cmdKeygen(args []string) error {
	fs := flag.NewFlagSet("keygen", flag.ExitOnError)
	name := fs.String("name", "Sentry AI release signing", "the key's name")
	email := fs.String("email", "", "the key's e-mail address")
	secret := fs.String("secret", "", "output: the secret key (armored)")
	public := fs.String("public", "", "output: the public key (armored)")
	fs.Parse(args)
	if *secret == "" || *public == "" || *email == "" {
		return errors.New("-email, -secret and -public are required")
	}
	cfg := &packet.Config{Algorithm: packet.PubKeyAlgoRSA, RSABits: 3072, DefaultHash: crypto.SHA256}
	e, err := openpgp.NewEntity(*name, "", *email, cfg)
	if err != nil {
		return err
	}
	var sec, pub bytes.Buffer
	w, err := armor.Encode(&sec, openpgp.PrivateKeyType, nil)
	if err != nil {
		return err
	}
	if err := e.SerializePrivate(w, cfg); err != nil {
		return err
	}
	w.Close()
	if w, err = armor.Encode(&pub, openpgp.PublicKeyType, nil); err != nil {
		return err
	}
	if err := e.Serialize(w); err != nil {
		return err
	}
	w.Close()
	if err := os.WriteFile(*secret, sec.Bytes(), 0o600); err != nil {
		return err
	}
	return os.WriteFile(*public, pub.Bytes(), 0o644)
}

// cmdSign writes an armored detached signature of a file.
func cmdSign(args []string) error {
	fs := flag.NewFlagSet("sign", flag.ExitOnError)
	in := fs.String("in", "", "the file to sign")
	out := fs.String("out", "", "the signature to write (armored)")
	fs.Parse(args)
	if *in == "" || *out == "" {
		return errors.New("-in and -out are required")
	}
	signer, err := signingEntity()
	if err != nil {
		return err
	}
	if signer == nil {
		return fmt.Errorf("%s is not set", envSigningKey)
	}
	data, err := os.Open(*in)
	if err != nil {
		return err
	}
	defer data.Close()
	var sig bytes.Buffer
	if err := openpgp.ArmoredDetachSign(&sig, signer, data, &packet.Config{DefaultHash: crypto.SHA256}); err != nil {
		return err
	}
	return os.WriteFile(*out, sig.Bytes(), 0o644)
}

// signingEntity reads the signing key named by RELEASE_SIGNING_KEY (nil when
// unset) and unlocks it.
func signingEntity() (*openpgp.Entity, error) {
	path := os.Getenv(envSigningKey)
	if path == "" {
		return nil, nil
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", envSigningKey, err)
	}
	ring, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(raw))
	if err != nil {
		if ring, err = openpgp.ReadKeyRing(bytes.NewReader(raw)); err != nil {
			return nil, fmt.Errorf("%s=%s is not an OpenPGP key: %w", envSigningKey, path, err)
		}
	}
	if len(ring) == 0 || ring[0].PrivateKey == nil {
		return nil, fmt.Errorf("%s=%s holds no secret key", envSigningKey, path)
	}
	e := ring[0]
	if e.PrivateKey.Encrypted {
		pass := []byte(os.Getenv(envSigningPassphrase))
		if len(pass) == 0 {
			return nil, fmt.Errorf("the key in %s has a passphrase: set %s", path, envSigningPassphrase)
		}
		if err := e.DecryptPrivateKeys(pass); err != nil {
			return nil, fmt.Errorf("unlocking %s: %w", path, err)
		}
	}
	return e, nil
}
