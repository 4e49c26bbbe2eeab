using Ded.Verification.Code;
using Xunit;

namespace Ded.Tests.Verification.Code;

public sealed class ProgramExtractorTests
{
    public static TheoryData<string, string, string?> Cases => new()
    {
        // id, response, expected program (null: no_code)
        { "bare program", "print(1)\n", "print(1)\n" },
        { "one python block", "Here:\n```python\nprint(1)\n```\nDone.", "print(1)\n" },
        { "last python block wins", "```python\nprint(1)\n```\nbetter:\n```python\nprint(2)\n```", "print(2)\n" },
        { "py and untagged fences count", "```py\na=1\n```\n```\nb=2\n```", "b=2\n" },
        { "other languages do not", "```python\nprint(1)\n```\n```cpp\nint main(){}\n```", "print(1)\n" },
        { "only another language", "```cpp\nint main(){}\n```", null },
        { "reasoning stripped", "<think>```python\nprint('draft')\n```</think>\n```python\nprint('final')\n```", "print('final')\n" },
        { "code only inside reasoning", "<think>\n```python\nprint(1)\n```\n</think>\nThe answer is 3.", "The answer is 3." },
        { "unfinished reasoning", "<think>let me see\n```python\nprint(1)\n```", null },
        { "open-thoughts markers", "<|begin_of_thought|>x<|end_of_thought|>\n```python\nprint(3)\n```", "print(3)\n" },
        { "empty response", "  \n", null },
        { "unclosed fence", "```python\nprint(1)\n", null },
        { "tag with trailing text", "```python3 title=main.py\nprint(4)\n```", "print(4)\n" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ExtractsTheLastPythonBlockAfterReasoning(string id, string response, string? expected)
    {
        Assert.NotNull(id);
        Assert.Equal(expected, ProgramExtractor.Extract(response));
    }
}
