package cloud

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/minik6/minik6/archive"
)

func TestArchiveUpload(t *testing.T) {
	arc, tar := testArchive(t)
	file := formPart{Name: "file", FileName: "archive.tar", ContentType: "application/octet-stream", Body: tar}
	tests := []struct {
		name      string
		upload    func(c *Client, name string, projectID int64, arc *archive.Archive) (*CreateTestRunResponse, error)
		projectID int64
		want      []formPart
	}{
		{
			name: "start with a project", upload: (*Client).StartCloudTestRun, projectID: 5,
			want: []formPart{{Name: "name", Body: "my test"}, {Name: "project_id", Body: "5"}, file},
		},
		{
			name: "start without a project", upload: (*Client).StartCloudTestRun,
			want: []formPart{{Name: "name", Body: "my test"}, file},
		},
		{
			name: "upload only with a project", upload: (*Client).UploadTestOnly, projectID: 5,
			want: []formPart{
				{Name: "name", Body: "my test"}, {Name: "upload_only", Body: "true"}, {Name: "project_id", Body: "5"}, file,
			},
		},
		{
			name: "upload only without a project", upload: (*Client).UploadTestOnly,
			want: []formPart{{Name: "name", Body: "my test"}, {Name: "upload_only", Body: "true"}, file},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fc := newFakeCloud(t, answer(http.StatusOK, "application/json",
				`{"reference_id":"123","logs":[{"level":"warning","message":"w"}]}`))
			c, hook := newTestClient(t, fc.URL, true)

			got, err := tt.upload(c, "my test", tt.projectID, arc)

			require.NoError(t, err)
			assert.Equal(t, "123", got.ReferenceID)
			reqs := fc.received()
			require.Len(t, reqs, 1)
			assert.Equal(t, http.MethodPost, reqs[0].Method)
			assert.Equal(t, "/v1/archive-upload", reqs[0].Path)
			assert.Equal(t, "Token "+secretToken, reqs[0].Header.Get("Authorization"))
			assert.Regexp(t, idempotencyKeyPattern, reqs[0].Header.Get("K6-Idempotency-Key"))
			assert.Equal(t, tt.want, parseForm(t, reqs[0]))
			assert.NotContains(t, string(reqs[0].Body), secretToken)
			require.Len(t, hook.AllEntries(), 1)
			assert.Equal(t, "w", hook.LastEntry().Message)
			assert.Equal(t, "grafana-k6-cloud", hook.LastEntry().Data["source"])
		})
	}
}

func TestArchiveUploadErrors(t *testing.T) {
	arc, _ := testArchive(t)
	tests := []struct {
		name    string
		answer  string
		arc     *archive.Archive
		wantErr string
	}{
		{name: "no reference ID", answer: `{}`, arc: arc, wantErr: "failed to get a reference ID"},
		{name: "no archive", answer: `{"reference_id":"1"}`, wantErr: "there is no archive to upload"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fc := newFakeCloud(t, answer(http.StatusOK, "application/json", tt.answer))
			c, _ := newTestClient(t, fc.URL, true)

			_, err := c.StartCloudTestRun("t", 0, tt.arc)
			assert.Equal(t, tt.wantErr, errText(t, err))
			_, err = c.UploadTestOnly("t", 0, tt.arc)
			assert.Equal(t, tt.wantErr, errText(t, err))
		})
	}
}

func TestArchiveUploadBadHost(t *testing.T) {
	arc, _ := testArchive(t)
	c, _ := newTestClient(t, "http://bad host", true)
	_, err := c.StartCloudTestRun("t", 0, arc)
	assert.Contains(t, errText(t, err), "invalid character")
}
