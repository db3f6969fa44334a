package notebook

import (
	"context"

	"sentry/backend/core"
)

// A document synced from another device arrives before its file's bytes
// (they follow, by their SHA-256): it waits, queued, until they are here,
// and is indexed on this device then.

// WaitingStage is the stage of a document whose file has not arrived.
const WaitingStage = "waiting for the file from your other device"

var errWaitingForFile = &core.Error{Code: core.ECONFLICT, Message: "The file has not arrived from your other device yet."}

// FilesArrived indexes the documents waiting for a file: the sync engine
// calls it when a synced upload's bytes have arrived.
func (s *Service) FilesArrived(ctx context.Context) error {
	ids, err := s.store.FindUnfinishedNotebookDocuments(ctx)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := s.enqueue(ctx, id); err != nil {
			return err
		}
	}
	return nil
}
