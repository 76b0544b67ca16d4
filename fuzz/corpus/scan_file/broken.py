import openai
def f(:
    return openai.chat.completions.create(model="x", messages=[((((((((((1))))))))))])
# custodia-ignore missing-timeout
