package users

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/userctl/userctl/internal/cmdutil"
	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/userapi"
)

// AvatarOptions are the inputs of users avatar upload.
type AvatarOptions struct {
	F    *cmdutil.Factory
	ID   string
	File string
	BBox string
}

// maxAvatarBytes bounds the image read into memory.
const maxAvatarBytes = 16 << 20

func newAvatarCmd(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "avatar",
		Short:   "Manage profile pictures",
		Long:    "Manage users' profile pictures (udata).",
		Example: "  userctl users avatar upload 5f0c8a1e2b3c4d5e6f708192 face.png --bbox 0,0,200,200",
		Args:    cmdutil.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newAvatarUploadCmd(f, nil))
	return cmd
}

func newAvatarUploadCmd(f *cmdutil.Factory, runF func(context.Context, *AvatarOptions) error) *cobra.Command {
	opts := &AvatarOptions{F: f}
	cmd := &cobra.Command{
		Use:   "upload ID FILE",
		Short: "Upload a user's profile picture",
		Long: `Upload a JPEG, PNG or WebP image as a user's profile picture. The type is detected
from the file's bytes; any other file is rejected before anything is sent.
--bbox crops it: LEFT,TOP,RIGHT,BOTTOM in pixels.`,
		Example: "  userctl users avatar upload 5f0c8a1e2b3c4d5e6f708192 face.png --bbox 0,0,200,200",
		Args:    cmdutil.ExactArgs(2, "ID", "FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID, opts.File = args[0], args[1]
			if opts.BBox != "" {
				if err := checkBBox(opts.BBox); err != nil {
					return err
				}
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return avatarRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.BBox, userapi.FlagBBox, "", "crop box LEFT,TOP,RIGHT,BOTTOM")
	cmdutil.DialectFlag(cmd, userapi.FlagBBox)
	return cmd
}

func checkBBox(s string) error {
	parts := strings.Split(s, ",")
	if len(parts) != 4 {
		return errkind.Errorf(errkind.Usage, "--bbox %q: want LEFT,TOP,RIGHT,BOTTOM", s)
	}
	var n [4]int
	for i, p := range parts {
		v, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || v < 0 {
			return errkind.Errorf(errkind.Usage, "--bbox %q: %q is not a non-negative integer", s, p)
		}
		n[i] = v
	}
	if n[2] <= n[0] || n[3] <= n[1] {
		return errkind.Errorf(errkind.Usage, "--bbox %q: RIGHT must exceed LEFT and BOTTOM must exceed TOP", s)
	}
	return nil
}

func avatarRun(ctx context.Context, opts *AvatarOptions) error {
	b, err := opts.F.Backend()
	if err != nil {
		return err
	}
	up, err := capability[userapi.AvatarUploader](b, "avatar upload")
	if err != nil {
		return err
	}
	st, err := os.Stat(opts.File)
	if err != nil {
		return errkind.Errorf(errkind.Usage, "reading %s: %v", opts.File, unwrapPathErr(err))
	}
	if st.Size() > maxAvatarBytes {
		return errkind.Errorf(errkind.Usage, "%s is %d MiB; images over %d MiB are refused", opts.File, st.Size()>>20, maxAvatarBytes>>20)
	}
	data, err := os.ReadFile(opts.File)
	if err != nil {
		return errkind.Errorf(errkind.Usage, "reading %s: %v", opts.File, unwrapPathErr(err))
	}
	ct, ok := userapi.ImageType(data)
	if !ok {
		return errkind.Errorf(errkind.Usage, "%s is not a JPEG, PNG or WebP image (detected %s)", opts.File, ct)
	}
	res, err := up.UploadAvatar(ctx, opts.ID, userapi.Avatar{Data: data, ContentType: ct, Filename: filepath.Base(opts.File), BBox: opts.BBox})
	if err != nil {
		return err
	}
	return printResults(opts.F, []userapi.Result{res}, false)
}

func unwrapPathErr(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}
