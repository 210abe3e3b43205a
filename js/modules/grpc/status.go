package grpc

import "google.golang.org/grpc/codes"

// statusCodes are the grpc.Status* constants: gRPC's status codes.
var statusCodes = map[string]codes.Code{
	"StatusOK":                 codes.OK,
	"StatusCanceled":           codes.Canceled,
	"StatusUnknown":            codes.Unknown,
	"StatusInvalidArgument":    codes.InvalidArgument,
	"StatusDeadlineExceeded":   codes.DeadlineExceeded,
	"StatusNotFound":           codes.NotFound,
	"StatusAlreadyExists":      codes.AlreadyExists,
	"StatusPermissionDenied":   codes.PermissionDenied,
	"StatusResourceExhausted":  codes.ResourceExhausted,
	"StatusFailedPrecondition": codes.FailedPrecondition,
	"StatusAborted":            codes.Aborted,
	"StatusOutOfRange":         codes.OutOfRange,
	"StatusUnimplemented":      codes.Unimplemented,
	"StatusInternal":           codes.Internal,
	"StatusUnavailable":        codes.Unavailable,
	"StatusDataLoss":           codes.DataLoss,
	"StatusUnauthenticated":    codes.Unauthenticated,
}
