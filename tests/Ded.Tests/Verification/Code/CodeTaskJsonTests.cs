using Ded.Verification.Code;
using Xunit;

namespace Ded.Tests.Verification.Code;

public sealed class CodeTaskJsonTests
{
    [Fact]
    public void ReadsOpenR1VerificationInfo()
    {
        var task = CodeTaskJson.Parse("""{"id":"cf/1","code":"print(1)","verification_info":{"language":"python","test_cases":[{"input":"1\n","output":"1\n","type":"stdin_stdout"}]}}""", "t.jsonl:1");
        var tests = Assert.IsType<StdioTests>(task.Tests);
        Assert.Equal(("cf/1", "print(1)"), (task.Id, task.Response));
        Assert.Equal([new StdioCase("1\n", "1\n")], tests.Cases);
    }

    [Fact]
    public void ReadsAppsInputOutputStoredAsAStringWithLinesAsLists()
    {
        var task = CodeTaskJson.Parse("""{"id":"apps/1","code":"x","input_output":"{\"inputs\": [[\"1 2\", \"3\"]], \"outputs\": [\"6\\n\"]}"}""", "t.jsonl:2");
        Assert.Equal([new StdioCase("1 2\n3", "6\n")], Assert.IsType<StdioTests>(task.Tests).Cases);
    }

    [Fact]
    public void ReadsCallBasedTestsWithArgumentLists()
    {
        var task = CodeTaskJson.Parse("""{"id":"apps/2","code":"x","input_output":{"fn_name":"add","inputs":[[1,2]],"outputs":[[3]]}}""", "t.jsonl:3");
        var tests = Assert.IsType<CallTests>(task.Tests);
        Assert.Equal("add", tests.FunctionName);
        Assert.Equal("[1,2]", tests.Cases[0].Arguments.ToJsonString());
        Assert.Equal("[3]", tests.Cases[0].Expected!.ToJsonString());
    }

    [Fact]
    public void ReadsLiveCodeBenchFunctionalTestsWrittenAsJsonLines()
    {
        var task = CodeTaskJson.Parse("""{"id":"lcb/1","code":"x","input_output":{"fn_name":"twoSum","inputs":["[2,7,11]\n9"],"outputs":["[0, 1]"]}}""", "t.jsonl:4");
        var c = Assert.IsType<CallTests>(task.Tests).Cases[0];
        Assert.Equal("[[2,7,11],9]", c.Arguments.ToJsonString());
        Assert.Equal("[0,1]", c.Expected!.ToJsonString());
    }

    [Fact]
    public void ReadsHumanEval()
    {
        var task = CodeTaskJson.Parse("""{"id":"he/0","prompt":"def f():\n","completion":"    return 1","test":"def check(c):\n    assert c() == 1","entry_point":"f"}""", "t.jsonl:5");
        Assert.Equal(new HumanEvalTest("def f():\n", "def check(c):\n    assert c() == 1", "f"), task.Tests);
        Assert.Equal("    return 1", task.Response);
    }

    [Theory]
    [InlineData("""{"code":"x","input_output":{"inputs":[],"outputs":[]}}""", "t.jsonl:7: id is missing")]
    [InlineData("""{"id":"a","code":"x"}""", "t.jsonl:7: needs verification_info, input_output, or prompt/completion/test/entry_point")]
    [InlineData("""{"id":"a","code":"x","verification_info":{"language":"cpp","test_cases":[]}}""", "t.jsonl:7: verification_info.language must be python (got cpp)")]
    [InlineData("""{"id":"a","code":"x","input_output":{"inputs":["1"],"outputs":[]}}""", "t.jsonl:7: input_output has 1 inputs but 0 outputs")]
    [InlineData("""{"id":"a","verification_info":{}}""", "t.jsonl:7: code is missing")]
    [InlineData("[1]", "t.jsonl:7: expected a JSON object")]
    public void BadLinesSayWhereAndWhat(string line, string message) =>
        Assert.Equal(message, Assert.Throws<FormatException>(() => CodeTaskJson.Parse(line, "t.jsonl:7")).Message);

    [Fact]
    public void FormatsAVerdictLine() => Assert.Equal(
        """{"id":"a","status":"wrong_answer","passed":false,"tests_passed":2,"tests_total":3,"stderr_tail":""}""",
        CodeTaskJson.Format(new CodeVerdict { Id = "a", Status = CodeStatus.WrongAnswer, TestsPassed = 2, TestsTotal = 3 }));

    [Theory]
    [InlineData(CodeStatus.Passed, "passed")]
    [InlineData(CodeStatus.WrongAnswer, "wrong_answer")]
    [InlineData(CodeStatus.RuntimeError, "runtime_error")]
    [InlineData(CodeStatus.Timeout, "timeout")]
    [InlineData(CodeStatus.MemoryLimit, "memory_limit")]
    [InlineData(CodeStatus.OutputLimit, "output_limit")]
    [InlineData(CodeStatus.NoCode, "no_code")]
    [InlineData(CodeStatus.SandboxError, "sandbox_error")]
    public void StatusNamesAreSnakeCase(CodeStatus status, string name) => Assert.Equal(name, CodeVerdict.StatusName(status));
}
