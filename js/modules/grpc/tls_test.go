package grpc_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
)

// selfSigned makes a certificate for 127.0.0.1 and localhost that signs
// itself, good for a server and a client; it returns it with its PEM forms.
func selfSigned(t *testing.T) (cert tls.Certificate, certPEM, keyPEM string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "route guide test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	certPEM = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	keyPEM = string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}))
	cert, err = tls.X509KeyPair([]byte(certPEM), []byte(keyPEM))
	require.NoError(t, err)
	return cert, certPEM, keyPEM
}

func TestTLS(t *testing.T) {
	t.Parallel()
	cert, certPEM, keyPEM := selfSigned(t)
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM([]byte(certPEM))
	rg := loadRouteGuide(t)
	addr := rg.start(t, grpc.Creds(credentials.NewTLS(&tls.Config{Certificates: []tls.Certificate{cert}})))
	mtls := rg.start(t, grpc.Creds(credentials.NewTLS(&tls.Config{
		Certificates: []tls.Certificate{cert}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool,
	})))
	files := map[string]string{"/test/route_guide.proto": fixture(t), "/test/ca.pem": certPEM, "/test/key.pem": keyPEM}
	start := time.Now()
	o := runFiles(t, `import grpc from 'k6/net/grpc';
		export const options = { iterations: 1 };
		const ca = open('ca.pem');
		const key = open('key.pem');
		const client = new grpc.Client();
		client.load([], 'route_guide.proto');
		const where = { latitude: 407838351, longitude: -746143763 };
		export default () => {
			try { client.connect('$ADDR'); } catch (e) { console.log(e.message); }
			client.connect('$ADDR', { tls: { cacerts: [ca] } });
			console.log('tls: ' + client.invoke('main.RouteGuide/GetFeature', where).message.name);
			client.connect('`+mtls+`', { tls: { cacerts: ca, cert: ca, key: key } });
			console.log('mtls: ' + client.invoke('main.RouteGuide/GetFeature', where).message.name);
			client.close();
		}`, addr, files)
	require.NoError(t, o.Result.Err, o.LogText())
	assert.Equal(t, []string{
		`connection error: desc = "transport: authentication handshake failed: tls: failed to verify certificate: x509: certificate signed by unknown authority"`,
		"tls: Patriots Path, Mendham, NJ 07945, USA",
		"mtls: Patriots Path, Mendham, NJ 07945, USA",
	}, o.Console)
	assert.Less(t, time.Since(start), 10*time.Second, "a TLS failure fails at once")

	o = runFiles(t, `import grpc from 'k6/net/grpc';
		export const options = { iterations: 1, insecureSkipTLSVerify: true };
		const client = new grpc.Client();
		client.load([], 'route_guide.proto');
		export default () => {
			client.connect('$ADDR');
			console.log(client.invoke('main.RouteGuide/GetFeature', { latitude: 407838351, longitude: -746143763 }).message.name);
		}`, addr, files)
	require.NoError(t, o.Result.Err, o.LogText())
	assert.Equal(t, []string{"Patriots Path, Mendham, NJ 07945, USA"}, o.Console)
}
