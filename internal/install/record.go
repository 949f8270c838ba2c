package install

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"

	"github.com/meshwiz/meshwiz/internal/kube"
)

// Record is what meshwiz created or changed in one cluster, kept in the
// ConfigMap istio-system/meshwiz-record (key "record.json") so that teardown
// removes exactly that.
type Record struct {
	MeshID  string   `json:"meshID"`
	Cluster string   `json:"cluster"`
	Updated string   `json:"updated"`
	Objects []Object `json:"objects"`
}

// Object is one entry of a Record.
type Object struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace,omitempty"`
	Name       string `json:"name"`
	// Change is "created", "helm-release", or "labelled" (a label or
	// annotation meshwiz added to an object it did not create; Detail names it).
	Change string `json:"change"`
	Detail string `json:"detail,omitempty"`
}

const recordKey = "record.json"

// ReadRecord returns the cluster's record, or nil when there is none.
func ReadRecord(ctx context.Context, c *kube.Client) (*Record, error) {
	cm, err := c.Kube.CoreV1().ConfigMaps(Namespace).Get(ctx, RecordName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("context %q: reading %s/%s: %w", c.Context, Namespace, RecordName, err)
	}
	var rec Record
	if err := json.Unmarshal([]byte(cm.Data[recordKey]), &rec); err != nil {
		return nil, fmt.Errorf("context %q: %s/%s is not a meshwiz record: %w", c.Context, Namespace, RecordName, err)
	}
	return &rec, nil
}

// note adds objects to the cluster's record (creating the ConfigMap, and
// listing itself, the first time). Entries already there are not repeated.
// The run keeps the record it last wrote per cluster, so a note costs one
// request (an update); it reads the record again only the first time and
// after a conflict (someone else changed it).
func (r *run) note(ctx context.Context, c *kube.Client, cluster string, objs ...Object) error {
	rc := r.record(cluster)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	cms := c.Kube.CoreV1().ConfigMaps(Namespace)
	fresh := false
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		cm := rc.cm
		if cm == nil || fresh {
			got, err := cms.Get(ctx, RecordName, metav1.GetOptions{})
			switch {
			case apierrors.IsNotFound(err):
				cm = nil
			case err != nil:
				return err
			default:
				cm = got
			}
		}
		fresh = true // a retry after a conflict reads the record again
		create := cm == nil
		rec := Record{MeshID: r.cfg.MeshID, Cluster: cluster}
		if create {
			cm = &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: RecordName, Namespace: Namespace, Labels: managedLabels(nil)}}
			rec.Objects = append(rec.Objects, Object{APIVersion: "v1", Kind: "ConfigMap", Namespace: Namespace, Name: RecordName, Change: "created"})
		} else if err := json.Unmarshal([]byte(cm.Data[recordKey]), &rec); err != nil {
			return fmt.Errorf("%s/%s is not a meshwiz record: %w", Namespace, RecordName, err)
		}
		added := create
		for _, o := range objs {
			i := slices.IndexFunc(rec.Objects, func(x Object) bool {
				return x.APIVersion == o.APIVersion && x.Kind == o.Kind && x.Namespace == o.Namespace && x.Name == o.Name && x.Change == o.Change
			})
			switch {
			case i < 0:
				rec.Objects = append(rec.Objects, o)
				added = true
			case rec.Objects[i] != o: // same object, new detail (e.g. another network)
				rec.Objects[i] = o
				added = true
			}
		}
		if !added {
			rc.cm = cm
			return nil // a re-run changes nothing
		}
		rec.Updated = time.Now().UTC().Format(time.RFC3339)
		data, err := json.MarshalIndent(rec, "", "  ")
		if err != nil {
			return err
		}
		cm = cm.DeepCopy()
		cm.Data = map[string]string{recordKey: string(data)}
		var saved *corev1.ConfigMap
		if create {
			saved, err = cms.Create(ctx, cm, metav1.CreateOptions{FieldManager: FieldManager})
			if apierrors.IsAlreadyExists(err) {
				err = apierrors.NewConflict(corev1.Resource("configmaps"), RecordName, err)
			}
		} else {
			saved, err = cms.Update(ctx, cm, metav1.UpdateOptions{FieldManager: FieldManager})
			if apierrors.IsNotFound(err) { // deleted since this run read it: start again
				err = apierrors.NewConflict(corev1.Resource("configmaps"), RecordName, err)
			}
		}
		if err != nil {
			return err
		}
		rc.cm = saved
		return nil
	})
}

// clusterRecord is the record of one cluster as this run last wrote it.
type clusterRecord struct {
	mu sync.Mutex
	cm *corev1.ConfigMap
}

func (r *run) record(cluster string) *clusterRecord {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.records == nil {
		r.records = map[string]*clusterRecord{}
	}
	rc := r.records[cluster]
	if rc == nil {
		rc = &clusterRecord{}
		r.records[cluster] = rc
	}
	return rc
}
