package cloud

import (
	"bytes"
	"errors"
	"mime/multipart"
	"net/http"
	"strconv"

	"github.com/minik6/minik6/archive"
)

// archiveFileName is the file name of the archive in a multipart form.
const archiveFileName = "archive.tar"

// StartCloudTestRun uploads the test arc and starts it in the cloud: what
// `k6 cloud run` does. projectID 0 leaves the project to the cloud. The
// cloud's messages in the answer are printed; an answer without a reference
// ID is an error.
func (c *Client) StartCloudTestRun(name string, projectID int64, arc *archive.Archive) (*CreateTestRunResponse, error) {
	return c.uploadArchive(name, projectID, arc, false)
}

// UploadTestOnly uploads the test arc to the cloud without starting it: what
// `k6 cloud upload` does. Otherwise it is StartCloudTestRun.
func (c *Client) UploadTestOnly(name string, projectID int64, arc *archive.Archive) (*CreateTestRunResponse, error) {
	return c.uploadArchive(name, projectID, arc, true)
}

// uploadArchive posts arc to /v1/archive-upload as a multipart form with the
// fields name, upload_only (when uploadOnly), project_id (when not 0) and file.
func (c *Client) uploadArchive(name string, projectID int64, arc *archive.Archive, uploadOnly bool) (*CreateTestRunResponse, error) {
	fields := []formField{{"name", name}}
	if uploadOnly {
		fields = append(fields, formField{"upload_only", "true"})
	}
	if projectID != 0 {
		fields = append(fields, formField{"project_id", strconv.FormatInt(projectID, 10)})
	}
	req, err := newArchiveRequest(c.baseURL+"/archive-upload", fields, arc)
	if err != nil {
		return nil, err
	}
	return c.createTestRun(req)
}

// formField is a text field of a multipart form.
type formField struct {
	name, value string
}

// newArchiveRequest returns a POST of a multipart form to url: the fields in
// order, then arc's tar as the file field "file" named archive.tar, of type
// application/octet-stream.
func newArchiveRequest(url string, fields []formField, arc *archive.Archive) (*http.Request, error) {
	if arc == nil {
		return nil, errors.New("there is no archive to upload")
	}
	var body bytes.Buffer
	form := multipart.NewWriter(&body)
	for _, f := range fields {
		if err := form.WriteField(f.name, f.value); err != nil {
			return nil, err
		}
	}
	file, err := form.CreateFormFile("file", archiveFileName)
	if err != nil {
		return nil, err
	}
	if err := arc.Write(file); err != nil {
		return nil, err
	}
	if err := form.Close(); err != nil {
		return nil, err
	}
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body.Bytes()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", form.FormDataContentType())
	return req, nil
}
