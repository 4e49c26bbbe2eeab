using Ded.Data;
using Xunit;

namespace Ded.Tests.Spine;

public class QuestionLoaderTests
{
    [Fact]
    public void JsonlFieldsAreMappedAndIdsDefaultToFileAndLine()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("pool.jsonl"), "{\"problem\": \"1+1?\", \"solution\": 2, \"kind\": \"add\"}\n\n{\"uid\": \"x7\", \"problem\": \"2+2?\", \"solution\": \"4\"}\n");
        var source = new JsonlSource { Path = dir.File("pool.jsonl"), IdField = "uid", QuestionField = "problem", AnswerField = "solution", FamilyField = "kind", Domain = "math" };
        var questions = QuestionLoader.FromJsonl(source);
        Assert.Equal(["pool-1", "x7"], questions.Select(q => q.Id));
        Assert.Equal(["1+1?", "2+2?"], questions.Select(q => q.Text));
        Assert.Equal(["2", "4"], questions.Select(q => q.GoldAnswer));
        Assert.Equal(["add", ""], questions.Select(q => q.Family));
        Assert.Equal("3", questions[1].Metadata["line"]);
    }

    [Fact]
    public void DuplicateIdsAcrossSourcesAreAnError()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("a.jsonl"), "{\"id\": \"q\", \"question\": \"?\", \"answer\": \"1\"}\n");
        var source = new JsonlSource { Path = dir.File("a.jsonl") };
        var e = Assert.Throws<Recipes.RecipeException>(() => QuestionLoader.Load(new QuestionsOptions { Sources = [source, source] }));
        Assert.Equal("a.jsonl:1: id 'q' repeats a.jsonl:1; question ids must be unique across all sources", e.Message);
    }
}
