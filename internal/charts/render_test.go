package charts

import (
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"

	admv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestRenderBase(t *testing.T) {
	for _, c := range []struct {
		name string
		v    ClusterValues
	}{{"default", testCluster()}, {"remote", testRemote()}} {
		t.Run(c.name, func(t *testing.T) {
			_, objs := render(t, Base, "istio-base", BaseValues(c.v))
			crds := ofKind(objs, "CustomResourceDefinition")
			var crdNames []string
			for _, o := range crds {
				crdNames = append(crdNames, o.GetName())
			}
			for _, want := range []string{
				"virtualservices.networking.istio.io", "gateways.networking.istio.io",
				"peerauthentications.security.istio.io", "authorizationpolicies.security.istio.io",
				"telemetries.telemetry.istio.io", "wasmplugins.extensions.istio.io",
			} {
				if !slices.Contains(crdNames, want) {
					t.Errorf("CRD %s not rendered; have %v", want, crdNames)
				}
			}
			t.Logf("%d Istio CRDs", len(crds))
			mustGet[corev1.ServiceAccount](t, objs, "ServiceAccount", "istio-reader-service-account")
			vwc := mustGet[admv1.ValidatingWebhookConfiguration](t, objs, "ValidatingWebhookConfiguration", "istiod-default-validator")
			if svc := vwc.Webhooks[0].ClientConfig.Service; svc == nil || svc.Name != "istiod" || svc.Namespace != testNamespace {
				t.Errorf("istiod-default-validator points at %+v, want service istiod/%s", svc, testNamespace)
			}
		})
	}
	// No base template reads what files/profile-remote.yaml sets: the remote
	// profile renders the same base (both renders are memoised above).
	primary, _ := render(t, Base, "istio-base", BaseValues(testCluster()))
	remote, _ := render(t, Base, "istio-base", BaseValues(testRemote()))
	if primary != remote {
		t.Log("base renders differently with profile=remote; update the BaseValues comment")
	}
}

// injectorValues decodes the values the sidecar/gateway injector runs with.
func injectorValues(t *testing.T, objs []*unstructured.Unstructured) map[string]any {
	t.Helper()
	cm := mustGet[corev1.ConfigMap](t, objs, "ConfigMap", "istio-sidecar-injector")
	var vals map[string]any
	if err := json.Unmarshal([]byte(cm.Data["values"]), &vals); err != nil {
		t.Fatalf("injector values: %v", err)
	}
	return vals
}

func envOf(c corev1.Container) map[string]string {
	m := map[string]string{}
	for _, e := range c.Env {
		if e.ValueFrom == nil {
			m[e.Name] = e.Value
		}
	}
	return m
}

func TestRenderIstiodPrimary(t *testing.T) {
	for _, external := range []bool{false, true} {
		name := "primary"
		if external {
			name = "primary-externalIstiod"
		}
		t.Run(name, func(t *testing.T) {
			v := testCluster()
			v.ExternalIstiod = external
			if err := v.Validate(); err != nil {
				t.Fatal(err)
			}
			_, objs := render(t, Istiod, "istiod", IstiodValues(v))

			dep := mustGet[appsv1.Deployment](t, objs, "Deployment", "istiod")
			c := dep.Spec.Template.Spec.Containers[0]
			if want := testHub + "/pilot:" + testTag; c.Image != want {
				t.Errorf("istiod image %q, want %q", c.Image, want)
			}
			env := envOf(c)
			if env["CLUSTER_ID"] != v.ClusterName {
				t.Errorf("CLUSTER_ID = %q, want %q", env["CLUSTER_ID"], v.ClusterName)
			}
			if got, ok := env["EXTERNAL_ISTIOD"]; external != ok || (ok && got != "true") {
				t.Errorf("EXTERNAL_ISTIOD = %q (set %v), want set %v", got, ok, external)
			}

			// The network reaches proxies through the injector's values
			// (ISTIO_META_NETWORK, topology.istio.io/network); istiod's own
			// Deployment has no network env in these charts.
			g := injectorValues(t, objs)["global"].(map[string]any)
			if g["network"] != v.Network || g["meshID"] != v.MeshID || g["hub"] != testHub || g["tag"] != testTag {
				t.Errorf("injector global network=%v meshID=%v hub=%v tag=%v", g["network"], g["meshID"], g["hub"], g["tag"])
			}
			if mc := g["multiCluster"].(map[string]any); mc["clusterName"] != v.ClusterName {
				t.Errorf("injector clusterName = %v", mc["clusterName"])
			}
			mesh := mustGet[corev1.ConfigMap](t, objs, "ConfigMap", "istio")
			if !strings.Contains(mesh.Data["mesh"], `meshId: mesh1`) {
				t.Errorf("mesh config lacks meshId:\n%s", mesh.Data["mesh"])
			}

			mustGet[corev1.Service](t, objs, "Service", "istiod")
			if find(objs, "EndpointSlice", "istiod") != nil {
				t.Error("primary renders an istiod EndpointSlice")
			}
			mwc := mustGet[admv1.MutatingWebhookConfiguration](t, objs, "MutatingWebhookConfiguration", "istio-sidecar-injector")
			if p := *mwc.Webhooks[0].ClientConfig.Service.Path; p != "/inject" {
				t.Errorf("primary injection path %q, want /inject", p)
			}
		})
	}
}

func TestRenderIstiodRemote(t *testing.T) {
	v := testRemote()
	if err := v.Validate(); err != nil {
		t.Fatal(err)
	}
	_, objs := render(t, Istiod, "istiod", IstiodValues(v))

	if d := ofKind(objs, "Deployment"); len(d) != 0 {
		t.Errorf("remote renders Deployments: %s", names(d))
	}
	for _, cm := range []string{"istio", "istio-sidecar-injector"} {
		if find(objs, "ConfigMap", cm) != nil {
			t.Errorf("remote renders ConfigMap %s", cm)
		}
	}

	svc := mustGet[corev1.Service](t, objs, "Service", "istiod")
	if svc.Spec.Type == corev1.ServiceTypeExternalName {
		t.Errorf("IP remotePilotAddress gave an ExternalName Service")
	}
	ports := map[int32]int32{}
	for _, p := range svc.Spec.Ports {
		ports[p.Port] = p.TargetPort.IntVal
	}
	if _, ok := ports[15012]; !ok || ports[443] != 15017 {
		t.Errorf("istiod Service ports %v, want 15012 and 443->15017", ports)
	}

	es := mustGet[discoveryv1.EndpointSlice](t, objs, "EndpointSlice", "istiod")
	if es.Labels[discoveryv1.LabelServiceName] != "istiod" || es.AddressType != discoveryv1.AddressTypeIPv4 {
		t.Errorf("EndpointSlice labels %v addressType %s", es.Labels, es.AddressType)
	}
	if len(es.Endpoints) != 1 || !slices.Equal(es.Endpoints[0].Addresses, []string{v.RemotePilotAddress}) {
		t.Errorf("EndpointSlice endpoints %+v, want %s", es.Endpoints, v.RemotePilotAddress)
	}
	var esPorts []int32
	for _, p := range es.Ports {
		esPorts = append(esPorts, *p.Port)
	}
	if !slices.Equal(esPorts, []int32{15012, 15017}) {
		t.Errorf("EndpointSlice ports %v", esPorts)
	}

	mwc := mustGet[admv1.MutatingWebhookConfiguration](t, objs, "MutatingWebhookConfiguration", "istio-sidecar-injector")
	for _, wh := range mwc.Webhooks {
		s := wh.ClientConfig.Service
		if s == nil || s.Name != "istiod" || s.Path == nil || *s.Path != v.InjectionPath {
			t.Errorf("webhook %s clientConfig %+v, want service istiod path %s", wh.Name, wh.ClientConfig, v.InjectionPath)
		}
	}

	// configCluster: the remote holds config, so validation and istiod's
	// ServiceAccount/RBAC are rendered there.
	mustGet[admv1.ValidatingWebhookConfiguration](t, objs, "ValidatingWebhookConfiguration", "istio-validator-istio-system")
	mustGet[corev1.ServiceAccount](t, objs, "ServiceAccount", "istiod")
}

func TestRenderIstiodRemoteVariants(t *testing.T) {
	t.Run("hostname-no-config", func(t *testing.T) {
		v := testRemote()
		v.ConfigCluster = false
		v.RemotePilotAddress = "eastwest.example.test"
		_, objs := render(t, Istiod, "istiod", IstiodValues(v))
		svc := mustGet[corev1.Service](t, objs, "Service", "istiod")
		if svc.Spec.Type != corev1.ServiceTypeExternalName || svc.Spec.ExternalName != v.RemotePilotAddress {
			t.Errorf("hostname remotePilotAddress: Service type %s externalName %q", svc.Spec.Type, svc.Spec.ExternalName)
		}
		if find(objs, "EndpointSlice", "istiod") != nil {
			t.Error("hostname remotePilotAddress renders an EndpointSlice")
		}
		if find(objs, "ValidatingWebhookConfiguration", "istio-validator-istio-system") != nil {
			t.Error("remote without configCluster renders istiod's validator")
		}
		mwc := mustGet[admv1.MutatingWebhookConfiguration](t, objs, "MutatingWebhookConfiguration", "istio-sidecar-injector")
		if p := *mwc.Webhooks[0].ClientConfig.Service.Path; p != "/inject/cluster/cluster2/net/network2" {
			t.Errorf("remote injection path %q", p)
		}
	})
}

func TestRenderGateway(t *testing.T) {
	cases := []struct {
		name, typ string
		ips       []string
	}{
		{"loadbalancer", "LoadBalancer", nil},
		{"nodeport-externalIPs", "NodePort", []string{"172.18.0.2", "172.18.0.3"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := testCluster()
			_, objs := render(t, Gateway, EastWestGatewayName, GatewayValues(v, c.typ, c.ips))

			svc := mustGet[corev1.Service](t, objs, "Service", EastWestGatewayName)
			if svc.Labels["topology.istio.io/network"] != v.Network {
				t.Errorf("Service labels %v, want topology.istio.io/network=%s", svc.Labels, v.Network)
			}
			if string(svc.Spec.Type) != c.typ {
				t.Errorf("Service type %s, want %s", svc.Spec.Type, c.typ)
			}
			if !slices.Equal(svc.Spec.ExternalIPs, c.ips) {
				t.Errorf("externalIPs %v, want %v", svc.Spec.ExternalIPs, c.ips)
			}
			ports := map[string]int32{}
			for _, p := range svc.Spec.Ports {
				ports[p.Name] = p.Port
				if p.TargetPort.IntVal != p.Port {
					t.Errorf("port %s targets %v", p.Name, p.TargetPort)
				}
			}
			want := map[string]int32{"status-port": 15021, "tls": 15443, "tls-istiod": 15012, "tls-webhook": 15017}
			if len(ports) != len(want) {
				t.Errorf("Service ports %v, want %v", ports, want)
			}
			for n, p := range want {
				if ports[n] != p {
					t.Errorf("Service port %s = %d, want %d", n, ports[n], p)
				}
			}
			if svc.Spec.Selector["istio"] != EastWestSelector || svc.Spec.Selector["app"] != EastWestGatewayName {
				t.Errorf("Service selector %v", svc.Spec.Selector)
			}

			dep := mustGet[appsv1.Deployment](t, objs, "Deployment", EastWestGatewayName)
			pl := dep.Spec.Template.Labels
			if pl["topology.istio.io/network"] != v.Network || pl["istio"] != EastWestSelector {
				t.Errorf("pod template labels %v", pl)
			}
			for k, want := range svc.Spec.Selector {
				if pl[k] != want {
					t.Errorf("Service selector %s=%s does not match pod label %q", k, want, pl[k])
				}
			}
			c0 := dep.Spec.Template.Spec.Containers[0]
			if c0.Image != "auto" || envOf(c0)["ISTIO_META_REQUESTED_NETWORK_VIEW"] != v.Network {
				t.Errorf("gateway container image %q env %v", c0.Image, envOf(c0))
			}
		})
	}
}

// TestGatewaySchemaRejectsHub pins why GatewayValues sets no hub/tag.
func TestGatewaySchemaRejectsHub(t *testing.T) {
	vals := GatewayValues(testCluster(), "", nil)
	vals["hub"] = testHub
	if _, err := Render(mustLoad(t, Gateway), EastWestGatewayName, testNamespace, vals, testKubeVersion); err == nil {
		t.Error("gateway chart accepted a top-level hub")
	}
}

// TestImagesUseHubTag renders every chart for every role and checks every
// container image: hub/<image>:tag, or "auto" (filled in by injection).
func TestImagesUseHubTag(t *testing.T) {
	primary, remote := testCluster(), testRemote()
	primary.ExternalIstiod = true
	cases := map[string]struct {
		chart, release string
		values         map[string]any
	}{
		"base-primary":    {Base, "istio-base", BaseValues(primary)},
		"base-remote":     {Base, "istio-base", BaseValues(remote)},
		"istiod-primary":  {Istiod, "istiod", IstiodValues(primary)},
		"istiod-remote":   {Istiod, "istiod", IstiodValues(remote)},
		"gateway-lb":      {Gateway, EastWestGatewayName, GatewayValues(primary, "LoadBalancer", nil)},
		"gateway-node":    {Gateway, EastWestGatewayName, GatewayValues(remote, "NodePort", []string{"10.0.0.1"})},
		"gateway-default": {Gateway, EastWestGatewayName, GatewayValues(primary, "", nil)},
	}
	total := 0
	for name, r := range cases {
		t.Run(name, func(t *testing.T) {
			manifest, objs := render(t, r.chart, r.release, r.values)
			if strings.Contains(manifest, "registry.istio.io/testing") {
				t.Error("manifest mentions the development hub registry.istio.io/testing")
			}
			for obj, imgs := range images(objs) {
				for _, img := range imgs {
					total++
					if img == "auto" {
						continue
					}
					if !strings.HasPrefix(img, testHub+"/") || !strings.HasSuffix(img, ":"+testTag) {
						t.Errorf("%s: image %q not from %s with tag %s", obj, img, testHub, testTag)
					}
				}
			}
		})
	}
	if total < 3 { // istiod-primary, two gateway images at least
		t.Errorf("only %d images seen; the walk is broken", total)
	}
}

// TestRenderConcurrent renders one loaded chart from several goroutines
// (meshwiz installs clusters in parallel); run with -race.
func TestRenderConcurrent(t *testing.T) {
	ch := mustLoad(t, Istiod)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v := testCluster()
			v.ClusterName = "cluster" + string(rune('a'+i))
			out, err := Render(ch, "istiod", testNamespace, IstiodValues(v), testKubeVersion)
			if err == nil && !strings.Contains(out, `value: "`+v.ClusterName+`"`) {
				err = errorString("render for " + v.ClusterName + " lacks its CLUSTER_ID")
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

type errorString string

func (e errorString) Error() string { return string(e) }
