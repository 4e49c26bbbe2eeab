using Ded.Rollouts;

namespace Ded.Runs;

/// <summary>A recorded response as the rollout stores it: the trajectory and where in its file it was read.</summary>
public sealed record RecordedTrajectory(Trajectory Trajectory, string Location);

public sealed partial class RunStore
{
    /// <summary>The ids of one teacher's trajectories, in id order (the signals sample from them without loading every response).</summary>
    public IReadOnlyList<string> TrajectoryIdsOf(string teacher) =>
        Query("SELECT id FROM trajectories WHERE teacher = $t ORDER BY id", r => r.GetString(0), ("$t", teacher));

    /// <summary>Stores recorded responses (and where each was read) in one transaction, whole or not at all; returns how many were new.</summary>
    public int SaveRecorded(IReadOnlyList<RecordedTrajectory> batch) => Write(tx =>
    {
        int added = 0;
        foreach (var (t, location) in batch)
        {
            if (InsertTrajectory(tx, t) == 0) continue;
            Exec(tx, "INSERT OR REPLACE INTO recorded(trajectory_id, location) VALUES($t, $l)", ("$t", t.Id), ("$l", location));
            added++;
        }
        return added;
    });

    /// <summary>Where a recorded trajectory was read (<c>file:line</c>, or <c>file#group:row</c> for Parquet); null for a sampled one.</summary>
    public string? RecordedLocation(string trajectoryId) =>
        Query("SELECT location FROM recorded WHERE trajectory_id = $t", r => r.GetString(0), ("$t", trajectoryId)).FirstOrDefault();

    /// <summary>The fingerprint of the file a recorded teacher was read from completely in this run; null before.</summary>
    public string? RecordedFingerprint(string teacher)
    {
        lock (_readGate) return InfoValue(_reads, "recorded:" + teacher);
    }

    /// <summary>Marks a recorded teacher's file as read completely (a rerun skips reading it again).</summary>
    public void SaveRecordedFingerprint(string teacher, string fingerprint) => Write(tx => SetInfo(tx, "recorded:" + teacher, fingerprint));
}
