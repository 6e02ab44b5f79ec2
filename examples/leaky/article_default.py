# The background article's third shape: a mutable default argument.


def add_to_list(value, my_list=[]):
    my_list.append(value)
    return my_list


print(add_to_list(1))  # Output: [1]
print(add_to_list(2))  # Output: [1, 2]
