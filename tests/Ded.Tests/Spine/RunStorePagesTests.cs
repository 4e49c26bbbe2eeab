using Ded.Runs;
using Ded.Verification;
using Microsoft.Data.Sqlite;
using Xunit;

namespace Ded.Tests.Spine;

/// <summary>The store's streaming reads and batched writes (issue 17): what a stage holds at once, and what a failed batch leaves.</summary>
public class RunStorePagesTests
{
    // Question i has i % 5 trajectories: some none, some more than a page's trajectory bound allows beside others.
    private static RunStore Filled(TempDir dir, int questions)
    {
        var store = RunStore.Open(dir.Path);
        store.IngestQuestions(Enumerable.Range(0, questions).Select(i => Spine.Q($"q{i:D2}")).ToList());
        for (int i = 0; i < questions; i++)
            for (int j = 0; j < i % 5; j++)
            {
                var t = Spine.T($"q{i:D2}.t.{j}", "<think>x</think> \\boxed{1}", question: $"q{i:D2}");
                store.CompleteRequest(store.BeginRequest(t.RequestKey, t.Id, "inv"), t);
            }
        return store;
    }

    [Fact]
    public void PagesCoverEveryQuestionOnceInOrderWithinTheirLimitsOrOneWholeQuestion()
    {
        using var dir = new TempDir();
        using var store = Filled(dir, 30);
        var limits = new PageLimits(Questions: 4, Trajectories: 3);
        var pages = store.QuestionPages(limits).ToList();
        Assert.Equal(store.Questions().Select(q => q.Id), pages.SelectMany(p => p.Groups).Select(g => g.Question.Id));
        foreach (var page in pages)
        {
            Assert.True(page.Groups.Count == 1 || (page.Groups.Count <= limits.Questions && page.Trajectories <= limits.Trajectories),
                $"page after {page.After} to {page.Last}: {page.Groups.Count} questions, {page.Trajectories} trajectories");
            foreach (var g in page.Groups)
                Assert.Equal(store.TrajectoriesOf(g.Question.Id).Select(t => t.Id), g.Trajectories.Select(t => t.Id));
        }
        // A question with 4 trajectories exceeds the bound of 3: it is alone in its page, whole.
        Assert.Contains(pages, p => p.Groups is [{ Trajectories.Count: 4 }]);
    }

    [Fact]
    public async Task ABatchThatFailsCommitsNoneOfItsRecordsAndStopsTheWriter()
    {
        using var dir = new TempDir();
        using var store = Filled(dir, 3); // q01 has one trajectory, q02 two
        var valid = new Verdict { TrajectoryId = "q01.t.0", Verifier = "lab", Kind = VerdictKind.Correct, Reason = "ok" };
        var orphan = valid with { TrajectoryId = "no-such-trajectory" }; // the foreign key rejects it
        await using (var writer = store.Writer())
        {
            await Assert.ThrowsAsync<SqliteException>(async () =>
            {
                await writer.SaveVerdictsAsync([valid, orphan]);
                await writer.FlushAsync();
            });
            // Nothing is written after a lost batch: a stage never goes on past records that did not survive.
            await Assert.ThrowsAsync<SqliteException>(() => writer.SaveVerdictsAsync([valid with { TrajectoryId = "q02.t.0" }]));
            await Assert.ThrowsAsync<SqliteException>(writer.FlushAsync);
        }
        Assert.Empty(store.Verdicts());
    }
}
