package users

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/userctl/userctl/internal/cmdutil"
	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/output"
	"github.com/userctl/userctl/internal/userapi"
)

// FollowOptions are the inputs of users follow, unfollow and followers.
type FollowOptions struct {
	F      *cmdutil.Factory
	ID     string
	Follow bool
	Limit  int
	All    bool
}

func newFollowCmd(f *cmdutil.Factory, follow bool, runF func(context.Context, *FollowOptions) error) *cobra.Command {
	opts := &FollowOptions{F: f, Follow: follow}
	verb, short := "unfollow", "Stop following a user"
	if follow {
		verb, short = "follow", "Follow a user as the profile's account"
	}
	cmd := &cobra.Command{
		Use:               verb + " ID",
		Short:             short,
		Long:              short + " (udata). Prints the user's new follower count.",
		Example:           "  userctl users " + verb + " 5f0c8a1e2b3c4d5e6f708192",
		Args:              cmdutil.ExactArgs(1, "ID"),
		ValidArgsFunction: f.CompleteUserIDs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return followRun(cmd.Context(), opts)
		},
	}
	return cmd
}

func followRun(ctx context.Context, opts *FollowOptions) error {
	verb := "unfollow"
	if opts.Follow {
		verb = "follow"
	}
	b, err := opts.F.Backend()
	if err != nil {
		return err
	}
	fm, err := capability[userapi.FollowManager](b, verb)
	if err != nil {
		return err
	}
	var res userapi.Result
	if opts.Follow {
		res, err = fm.Follow(ctx, opts.ID)
	} else {
		res, err = fm.Unfollow(ctx, opts.ID)
	}
	if err != nil {
		return err
	}
	return printResults(opts.F, []userapi.Result{res}, false)
}

func newFollowersCmd(f *cmdutil.Factory, runF func(context.Context, *FollowOptions) error) *cobra.Command {
	opts := &FollowOptions{F: f}
	cmd := &cobra.Command{
		Use:               "followers ID",
		Short:             "List a user's followers",
		Long:              "List the followers of a user (udata), with each follower's name and since when they follow.",
		Example:           "  userctl users followers 5f0c8a1e2b3c4d5e6f708192 --all -o json",
		Args:              cmdutil.ExactArgs(1, "ID"),
		ValidArgsFunction: f.CompleteUserIDs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID = args[0]
			if opts.Limit < 0 {
				return errkind.Errorf(errkind.Usage, "--limit must be positive")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return followersRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().IntVarP(&opts.Limit, "limit", "L", DefaultListLimit, "maximum number of followers to show")
	cmd.Flags().BoolVar(&opts.All, "all", false, "show every follower")
	return cmd
}

func followersRun(ctx context.Context, opts *FollowOptions) error {
	b, err := opts.F.Backend()
	if err != nil {
		return err
	}
	fm, err := capability[userapi.FollowManager](b, "followers")
	if err != nil {
		return err
	}
	limit := opts.Limit
	if opts.All {
		limit = 0
	}
	w, err := opts.F.Printer(output.FollowerSchema(), true)
	if err != nil {
		return err
	}
	for fl, err := range fm.Followers(ctx, opts.ID, limit) {
		if err != nil {
			_ = w.Close()
			return err
		}
		if err := w.Write(fl); err != nil {
			return err
		}
	}
	return w.Close()
}
