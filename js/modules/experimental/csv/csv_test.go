package csv_test

import (
	"testing"

	logtest "github.com/sirupsen/logrus/hooks/test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	_ "github.com/minik6/minik6/js/modules/experimental/csv"
	_ "github.com/minik6/minik6/js/modules/experimental/fs"
	"github.com/minik6/minik6/minik6test"
	"github.com/minik6/minik6/testrun"
)

func TestCSVAndFS(t *testing.T) {
	t.Parallel()
	logger, logs := logtest.NewNullLogger()
	console, lines := logtest.NewNullLogger()
	test, err := minik6test.LoadScript(`import csv from 'k6/experimental/csv';
		import { open, SeekMode } from 'k6/experimental/fs';
		const file = await open('./data/people.csv');
		const rows = await csv.parse(file, { delimiter: ',', skipFirstLine: true });
		const f2 = await open('./data/people.csv');
		const parser = new csv.Parser(f2, { asObjects: true });
		const semi = await open('./data/semi.csv');
		const f3 = await open('./data/people.csv');
		export const options = { iterations: 1 };
		export default async function () {
			console.log('parsed ' + rows.length + ' rows; first=' + JSON.stringify(rows[0]));
			const names = [];
			while (true) {
				const { done, value } = await parser.next();
				if (done) break;
				names.push(value.name + ':' + value.score);
			}
			console.log('streamed ' + names.join(','));
			console.log(JSON.stringify(await csv.parse(semi, { delimiter: ';', fromLine: 1, toLine: 1 })));
			const info = await f3.stat();
			const buf = new Uint8Array(5);
			const n = await f3.read(buf);
			const at = await f3.seek(-3, SeekMode.End);
			const last = new Uint8Array(10);
			const m = await f3.read(last);
			console.log(info.name + ' ' + info.size + ' ' + n + ' ' + String.fromCharCode(...buf) + ' ' + at + ' ' + m + ' ' + (await f3.read(last)) + ' ' + f3.path);
		}`, logger, console, map[string]string{
		"/test/data/people.csv": "id,name,score\n1,ada,90\n2,grace,85\n3,linus,70\n",
		"/test/data/semi.csv":   "a;b\nc;d\ne;f\n",
	})
	require.NoError(t, err)
	_, res := minik6test.RunTest(t, test, testrun.Config{Logger: logger})
	require.NoError(t, res.Err)
	for _, e := range logs.AllEntries() {
		t.Log(e.Message)
	}
	var got []string
	for _, e := range lines.AllEntries() {
		got = append(got, e.Message)
	}
	assert.Equal(t, []string{
		`parsed 3 rows; first=["1","ada","90"]`,
		"streamed ada:90,grace:85,linus:70",
		`[["c","d"]]`,
		"people.csv 45 5 id,na 42 3 null ./data/people.csv",
	}, got)
	assert.Contains(t, test.Files(), "/test/data/people.csv", "the files go with the test (and its archive)")
}

func TestOpenOnlyInInit(t *testing.T) {
	t.Parallel()
	logger, logs := logtest.NewNullLogger()
	test, err := minik6test.LoadScript(`import { open } from 'k6/experimental/fs';
		export const options = { iterations: 1 };
		export default async function () { await open('./x.csv'); }`, logger, logger, nil)
	require.NoError(t, err)
	_, res := minik6test.RunTest(t, test, testrun.Config{Logger: logger})
	require.NoError(t, res.Err)
	require.NotEmpty(t, logs.AllEntries())
	assert.Contains(t, logs.AllEntries()[0].Message, "only available in the init stage")
}
