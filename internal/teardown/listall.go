package teardown

import (
	"context"
	"slices"
	"strings"
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/metadata"
)

// listConcurrency bounds the list requests in flight per cluster when
// teardown looks through every resource type: on a distant API server the
// sweep then costs a few round trips instead of one per type (~60).
const listConcurrency = 12

// listed is one resource type's objects (metadata only).
type listed struct {
	groupVersion string
	resource     metav1.APIResource
	gvr          schema.GroupVersionResource
	items        []metav1.PartialObjectMetadata
	err          error
}

// listAll lists, in namespace ("" for all), every listable resource type of
// the discovery lists (not subresources, not skippedResources, not what skip
// rejects), concurrently, and returns the lists in discovery order. A type
// that cannot be listed carries its error.
func listAll(ctx context.Context, meta metadata.Interface, lists []*metav1.APIResourceList, namespace string,
	opts metav1.ListOptions, skip func(metav1.APIResource) bool) []listed {
	var out []listed
	for _, l := range lists {
		gv, err := schema.ParseGroupVersion(l.GroupVersion)
		if err != nil {
			continue
		}
		for _, r := range l.APIResources {
			if strings.Contains(r.Name, "/") || skippedResources[r.Name] || !slices.Contains(r.Verbs, "list") || (skip != nil && skip(r)) {
				continue
			}
			out = append(out, listed{groupVersion: l.GroupVersion, resource: r, gvr: gv.WithResource(r.Name)})
		}
	}
	sem := make(chan struct{}, listConcurrency)
	var wg sync.WaitGroup
	for i := range out {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			list, err := meta.Resource(out[i].gvr).Namespace(namespace).List(ctx, opts)
			if err != nil {
				out[i].err = err
				return
			}
			out[i].items = list.Items
		}()
	}
	wg.Wait()
	return out
}
