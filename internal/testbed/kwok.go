package testbed

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// kwokNodeAnnotation marks the nodes the bed's kwok controller plays.
const kwokNodeAnnotation = "kwok.x-k8s.io/node"

// NodeName returns the name of the k-th fake node of a cluster.
func NodeName(cluster string, k int) string { return fmt.Sprintf("kwok-%s-%d", cluster, k) }

// fakeNode is the k-th kwok node of c: podCIDR set at creation (it cannot
// change later), region label = cluster name, no taints and no addresses, so
// the apiserver has nothing to dial for logs, exec or port-forward.
func fakeNode(c *Cluster, k int) *corev1.Node {
	name := NodeName(c.Name, k)
	cidr := nodeCIDR(c.PodCIDR, k)
	res := corev1.ResourceList{
		corev1.ResourceCPU:    resource.MustParse("32"),
		corev1.ResourceMemory: resource.MustParse("256Gi"),
		corev1.ResourcePods:   resource.MustParse("110"),
	}
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name: name,
			Annotations: map[string]string{
				kwokNodeAnnotation:             "fake",
				"node.alpha.kubernetes.io/ttl": "0",
			},
			Labels: map[string]string{
				"kubernetes.io/hostname":        name,
				"kubernetes.io/os":              "linux",
				"kubernetes.io/arch":            "amd64",
				"type":                          "kwok",
				"topology.kubernetes.io/region": c.Name,
				"topology.kubernetes.io/zone":   c.Name + "-a",
			},
		},
		Spec: corev1.NodeSpec{PodCIDR: cidr, PodCIDRs: []string{cidr}},
		Status: corev1.NodeStatus{
			Capacity:    res,
			Allocatable: res,
			NodeInfo:    corev1.NodeSystemInfo{OperatingSystem: "linux", Architecture: "amd64"},
		},
	}
}

// createNodes creates c's fake nodes; an existing node counts as created.
func createNodes(ctx context.Context, c *Cluster) error {
	for k := range c.spec.Nodes {
		n := fakeNode(c, k)
		err := retryTransient(ctx, func() error {
			_, err := c.cs.CoreV1().Nodes().Create(ctx, n, metav1.CreateOptions{})
			if apierrors.IsAlreadyExists(err) {
				return nil
			}
			return err
		})
		if err != nil {
			return fmt.Errorf("creating node %s: %w", n.Name, err)
		}
	}
	return nil
}

// nodesReady reports whether all of c's fake nodes have Ready=True.
func nodesReady(ctx context.Context, c *Cluster) (bool, error) {
	for k := range c.spec.Nodes {
		n, err := c.cs.CoreV1().Nodes().Get(ctx, NodeName(c.Name, k), metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		ready := false
		for _, cond := range n.Status.Conditions {
			if cond.Type == corev1.NodeReady && cond.Status == corev1.ConditionTrue {
				ready = true
			}
		}
		if !ready {
			return false, nil
		}
	}
	return true, nil
}
